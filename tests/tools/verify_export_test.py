"""tools/verify_export.py, and the same edits refused by `okr import` and
`okr verify --export`: every member of an export line is covered by the
chain. Run by CTest with OKR_BIN (the okr binary) and OKR_TESTS_DIR.

The demo organisation is exported once; each test edits a copy."""

import base64
import copy
import hashlib
import importlib.util
import json
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VERIFIER = os.path.join(ROOT, "tools", "verify_export.py")
OKR = os.environ.get("OKR_BIN", "okr")
TESTS_DIR = os.environ.get("OKR_TESTS_DIR", os.path.join(ROOT, "tests"))

spec = importlib.util.spec_from_file_location("verify_export", VERIFIER)
verify_export = importlib.util.module_from_spec(spec)
spec.loader.exec_module(verify_export)

WORK = tempfile.mkdtemp(prefix="okr-verify-export-")


def run(*args):
    return subprocess.run(args, capture_output=True, text=True, timeout=300)


def demo_export():
    data = os.path.join(WORK, "demo")
    out = os.path.join(WORK, "demo.jsonl")
    r = run(OKR, "demo", "--data", data, "--today", "2026-11-16")
    assert r.returncode == 0, r.stderr
    r = run(OKR, "export", "--data", data, "--out", out)
    assert r.returncode == 0, r.stderr
    with open(out) as f:
        return out, [json.loads(line) for line in f if line.strip()]


EXPORT, LINES = demo_export()


def write(lines, name):
    path = os.path.join(WORK, name + ".jsonl")
    with open(path, "w") as f:
        for line in lines:
            f.write(line if isinstance(line, str) else json.dumps(line))
            f.write("\n")
    return path


def envelope_hash(line, data):
    """The hash as docs/on-disk-format.md defines it, written out again here
    so that a consistent forgery (an edit with its hash recomputed) can be
    built: it must then break the next line's prev_hash."""
    def s(raw):
        return struct.pack(">I", len(raw)) + raw
    body = (struct.pack(">Q", line["position"]) + s(line["stream"].encode()) +
            struct.pack(">Q", line["version"]) + s(line["type"].encode()) +
            struct.pack(">I", line["schema_version"]) +
            struct.pack(">q", verify_export.micros(line["recorded_at"])) +
            s(line["actor"].encode()) + s(line["command_id"].encode()) +
            s(data) + bytes.fromhex(line["prev_hash"]))
    return hashlib.sha256(bytes.fromhex(line["prev_hash"]) + body).hexdigest()


class Verifier(unittest.TestCase):
    def verdicts(self, path):
        """(verifier, okr verify --export, okr import) exit codes and the
        verifier's output."""
        v = run(sys.executable, VERIFIER, path)
        o = run(OKR, "verify", "--export", path)
        dest = tempfile.mkdtemp(prefix="import-", dir=WORK)
        i = run(OKR, "import", "--data", dest, path)
        if i.returncode != 0:
            self.assertEqual(os.listdir(dest), [], "import wrote something")
        return v.returncode, o.returncode, i.returncode, v.stdout

    def assert_refused(self, lines, name, line_no):
        code, okr_verify, okr_import, out = self.verdicts(write(lines, name))
        self.assertEqual(code, 1, name + ": " + out)
        self.assertTrue(out.startswith("line %d:" % line_no), name + ": " + out)
        self.assertEqual(okr_verify, 1, name + ": okr verify --export")
        self.assertEqual(okr_import, 1, name + ": okr import")

    def test_the_demo_export_verifies_with_the_stores_head(self):
        code, okr_verify, okr_import, out = self.verdicts(EXPORT)
        self.assertEqual((code, okr_verify, okr_import), (0, 0, 0), out)
        head = LINES[-1]
        self.assertIn("ok: %d events, head %d %s" % (
            len(LINES), head["position"], head["hash"]), out)
        store = run(OKR, "verify", "--data", os.path.join(WORK, "demo"))
        self.assertIn("chain head " + head["hash"], store.stdout)

    def test_the_demo_holds_both_check_in_versions_paths(self):
        # The layouts the demo exercises: at least the v2 check-in, the
        # current form, is among them (the golden file has version 1).
        kinds = {(x["type"], x["schema_version"]) for x in LINES}
        self.assertIn(("CheckInRecorded", 2), kinds)
        self.assertIn(("ObjectiveGraded", 1), kinds)

    def test_every_member_edited_is_refused_naming_its_line(self):
        k = next(i for i, x in enumerate(LINES) if x["type"] ==
                 "CheckInRecorded" and i > len(LINES) // 2)
        edits = {
            "position": lambda x: x.update(position=x["position"] + 1),
            "stream": lambda x: x.update(stream=x["stream"] + "x"),
            "version": lambda x: x.update(version=x["version"] + 1),
            "type": lambda x: x.update(type="KpiMeasured"),
            "schema_version": lambda x: x.update(schema_version=1),
            "recorded_at": lambda x: x.update(
                recorded_at=x["recorded_at"][:-2] + "9Z"
                if x["recorded_at"][-2] != "9" else
                x["recorded_at"][:-2] + "8Z"),
            "recorded_at_form": lambda x: x.update(
                recorded_at=x["recorded_at"][:-1] + "+00:00"),
            "actor": lambda x: x.update(actor=x["actor"] + "x"),
            "command_id": lambda x: x.update(command_id="forged"),
            "data": lambda x: x["data"].update(value=x["data"]["value"] + 1),
            "data_note": lambda x: x["data"].update(note="edited"),
            "data_b64": lambda x: x.update(data_b64=base64.b64encode(
                base64.b64decode(x["data_b64"]) + b"\0").decode()),
            "prev_hash": lambda x: x.update(prev_hash="0" * 64),
            "hash": lambda x: x.update(hash="f" * 64),
            "extra_member": lambda x: x.update(comment="not covered"),
        }
        for name, edit in edits.items():
            lines = copy.deepcopy(LINES)
            edit(lines[k])
            self.assert_refused(lines, "edit-" + name, k + 1)

    def test_a_forgery_with_its_hash_recomputed_breaks_the_next_line(self):
        k = next(i for i, x in enumerate(LINES) if x["type"] ==
                 "KeyResultTargetChanged")
        lines = copy.deepcopy(LINES)
        x = lines[k]
        raw = bytearray(base64.b64decode(x["data_b64"]))
        # Rewrite the whole payload consistently: data and its bytes agree.
        decoded = verify_export.decode_payload(x["type"], 1, bytes(raw))
        self.assertIsInstance(decoded["after"], float)
        x["data"]["after"] = decoded["after"] + 10
        pos = raw.find(struct.pack("<d", decoded["after"]))
        raw[pos:pos + 8] = struct.pack("<d", decoded["after"] + 10)
        x["data_b64"] = base64.b64encode(bytes(raw)).decode()
        x["hash"] = envelope_hash(x, bytes(raw))
        self.assert_refused(lines, "forged", k + 2)

    def test_removed_swapped_and_duplicated_lines_are_refused(self):
        mid = len(LINES) // 2
        removed = LINES[:mid] + LINES[mid + 1:]
        self.assert_refused(removed, "removed", mid + 1)
        swapped = copy.deepcopy(LINES)
        swapped[mid], swapped[mid + 1] = swapped[mid + 1], swapped[mid]
        self.assert_refused(swapped, "swapped", mid + 1)
        twice = [json.dumps(x) for x in LINES]
        twice[mid] = twice[mid][:-1] + ', "actor": "mallory"}'
        code, _, okr_import, out = self.verdicts(write(twice, "twice"))
        self.assertEqual((code, okr_import), (1, 1), out)
        self.assertTrue(out.startswith("line %d:" % (mid + 1)), out)

    def test_hostile_lines_are_refused_not_crashed_on(self):
        hostile = ['[1, 2]', '{"position": true}', '"text"', '{',
                   '[' * 100000 + ']' * 100000,
                   '{"position": 1e400}',
                   json.dumps(dict(LINES[0], type=["x"])),
                   json.dumps(dict(LINES[0], data_b64="AAAA")),
                   json.dumps(dict(LINES[0], data_b64="not base64!"))]
        for n, text in enumerate(hostile):
            path = write([text], "hostile-%d" % n)
            r = run(sys.executable, VERIFIER, path)
            self.assertEqual(r.returncode, 1, text + r.stderr)
            self.assertTrue(r.stdout.startswith("line 1:"), r.stdout)
            self.assertEqual(r.stderr, "", text)


def serve_with_key(data, key):
    """okr serve --signing-key on `data` until a checkpoint is in the log;
    stopped with SIGTERM. The checkpoint's position."""
    server = subprocess.Popen(
        [OKR, "serve", "--data", data, "--listen", "127.0.0.1:0",
         "--signing-key", key, "--checkpoint-interval", "1",
         "--reminder-interval", "0"], stdout=subprocess.PIPE, text=True)
    try:
        port = None
        for text in server.stdout:
            m = re.search(r"listening on http://127.0.0.1:(\d+)", text)
            if m:
                port = int(m.group(1))
                break
        assert port, "the server did not start"
        with open(os.path.join(data, "tokens")) as f:
            token = [x.split()[0] for x in f if x.strip() and x[0] != "#"][0]
        head = None
        # A condition, not a timer: the checkpoint appears within a second
        # or two; CTest's timeout bounds a server that never signs.
        while head is None or head["type"] != "ChainHeadSigned":
            req = urllib.request.Request(
                "http://127.0.0.1:%d/v1/events?after=%d" % (port, len(LINES)),
                headers={"Authorization": "Bearer " + token})
            with urllib.request.urlopen(req) as r:
                got = json.load(r)["events"]
            head = got[-1] if got else None
            if head is None:
                server.poll()
                assert server.returncode is None, "the server stopped"
                select.select([], [], [], 0.05)
        return head["position"]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        server.stdout.close()


class SignedCheckpoints(unittest.TestCase):
    def test_checkpoints_verify_with_the_key_and_edits_are_refused(self):
        keys = os.path.join(WORK, "keys")
        r = run(OKR, "keygen", "--out", keys)
        self.assertEqual(r.returncode, 0, r.stderr)
        private = os.path.join(keys, "signing.pem")
        public = os.path.join(keys, "signing.pub.pem")
        self.assertEqual(os.stat(private).st_mode & 0o777, 0o600)
        self.assertEqual(run(OKR, "keygen", "--out", keys).returncode, 1)
        data = os.path.join(WORK, "signed")
        shutil.copytree(os.path.join(WORK, "demo"), data)
        position = serve_with_key(data, private)
        self.assertEqual(position, len(LINES) + 1)
        out = os.path.join(WORK, "signed.jsonl")
        r = run(OKR, "export", "--data", data, "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run(sys.executable, VERIFIER, out, "--public-key", public)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("1 signed checkpoints verified", r.stdout)
        with open(out) as f:
            lines = [json.loads(x) for x in f]
        cp = lines[-1]
        self.assertEqual(cp["type"], "ChainHeadSigned")
        self.assertEqual(cp["data"]["position"], len(LINES))
        self.assertEqual(cp["data"]["hash"], LINES[-1]["hash"])

        # Another key: the same file does not verify.
        other = os.path.join(WORK, "other-keys")
        run(OKR, "keygen", "--out", other)
        r = run(sys.executable, VERIFIER, out, "--public-key",
                os.path.join(other, "signing.pub.pem"))
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertTrue(r.stdout.startswith("line %d:" % len(lines)))
        self.assertIn("not one given", r.stdout)
        # Both keys (a rotation): the one the key_id names is used.
        r = run(sys.executable, VERIFIER, out, "--public-key",
                os.path.join(other, "signing.pub.pem"), "--public-key",
                public)
        self.assertEqual(r.returncode, 0, r.stdout)

        # A forged signature, with data, bytes and hash all made to agree:
        # only the key can tell.
        forged = copy.deepcopy(lines)
        x = forged[-1]
        sig = bytearray(base64.b64decode(x["data"]["signature"]))
        sig[0] ^= 1
        new_sig = base64.b64encode(bytes(sig)).decode()
        raw = base64.b64decode(x["data_b64"]).replace(
            x["data"]["signature"].encode(), new_sig.encode())
        x["data"]["signature"] = new_sig
        x["data_b64"] = base64.b64encode(raw).decode()
        x["hash"] = envelope_hash(x, raw)
        path = write(forged, "forged-signature")
        r = run(sys.executable, VERIFIER, path, "--public-key", public)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("signature does not verify", r.stdout)
        self.assertEqual(run(sys.executable, VERIFIER, path).returncode, 0,
                         "without the key only the chain is checked")


class Layouts(unittest.TestCase):
    def test_every_golden_event_decodes_to_its_json_form(self):
        # tests/events/v1_events.jsonl: one event of every type, its bytes
        # and the JSON form the C++ codec gives them.
        seen = set()
        with open(os.path.join(TESTS_DIR, "events", "v1_events.jsonl")) as f:
            for text in f:
                g = json.loads(text)
                key = (g["type"], g["schema_version"])
                seen.add(key)
                got = verify_export.decode_payload(
                    g["type"], g["schema_version"], bytes.fromhex(
                        g["data_hex"]))
                self.assertEqual(set(got), set(g["json"]), key)
                for name, value in got.items():
                    # The golden file writes whole doubles as integers
                    # (45); an export writes 45.0, which same() requires.
                    want = g["json"][name]
                    if isinstance(value, float):
                        self.assertEqual(value, want, (key, name))
                    else:
                        self.assertTrue(verify_export.same(value, want),
                                        (key, name, value, want))
        # Every layout the verifier knows is tested here or by the demo.
        known = set(verify_export.LAYOUTS) - seen
        self.assertEqual(known, {("CheckInRecorded", 2)})


class Ed25519(unittest.TestCase):
    def test_the_rfc_8032_vector_verifies_and_an_edit_does_not(self):
        # RFC 8032, 7.1, TEST 2 (one-byte message 0x72).
        public = bytes.fromhex("3d4017c3e843895a92b70aa74d1b7ebc"
                               "9c982ccf2ec4968cc0cd55f12af4660c")
        signature = bytes.fromhex(
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
            "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")
        self.assertTrue(verify_export.ed25519_ok(public, b"\x72", signature))
        self.assertFalse(verify_export.ed25519_ok(public, b"\x73", signature))
        bad = bytearray(signature)
        bad[40] ^= 1
        self.assertFalse(verify_export.ed25519_ok(public, b"\x72", bytes(bad)))


if __name__ == "__main__":
    unittest.main(verbosity=2)
