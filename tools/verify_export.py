#!/usr/bin/env python3
"""Checks an OKR Ledger export (`okr export`, JSON Lines) with no OKR Ledger
code: recomputes the hash chain from the first line to the last, checks that
every line's `data` says what its stored bytes (`data_b64`) hold, and, with
--public-key (repeatable: keys rotated out too), checks the signature of
every ChainHeadSigned checkpoint with the key its key_id names.

    verify_export.py FILE [--public-key signing.pub.pem ...]

Exit 0 and "ok: ..." naming the head; exit 1 naming the first bad line; exit
2 when the file or the key cannot be read. Python 3 standard library only.
The formats are in docs/on-disk-format.md ("Export", "Hash chain") and
events/CATALOGUE.md (the payload bytes).
"""

import base64
import datetime
import hashlib
import json
import re
import struct
import sys

# The payload of each event type and schema version, field by field, in the
# order of its bytes (events/catalogue.h, Visit()). Kinds: s text, f binary64,
# i int32, u uint64, d date (int32 days since 1970-01-01), b bool, [s] a list
# of texts; "?" marks an optional.
LAYOUTS = {}


def layout(type_, version, fields):
    LAYOUTS[(type_, version)] = [f.split(":") for f in fields.split()]


layout("CycleCreated", 1, "cycle_id:s name:s starts_on:d ends_on:d")
layout("CycleStarted", 1, "cycle_id:s")
layout("CycleClosed", 1, "cycle_id:s")
layout("RetrospectiveNoteAdded", 1, "cycle_id:s objective_id:s? text:s")
layout("ObjectiveCreated", 1, "objective_id:s cycle_id:s title:s "
       "description:s level:s owner:s team:s parent_id:s?")
for t in ("ObjectiveRetitled", "ObjectiveDescribed", "ObjectiveOwnerChanged",
          "ObjectiveTeamChanged"):
    layout(t, 1, "objective_id:s before:s after:s")
layout("ObjectiveAligned", 1,
       "objective_id:s parent_id:s previous_parent_id:s?")
layout("ObjectiveUnaligned", 1, "objective_id:s previous_parent_id:s")
for t in ("ObjectiveActivated", "ObjectiveAchieved", "ObjectiveAbandoned"):
    layout(t, 1, "objective_id:s reason:s?")
layout("ObjectiveGraded", 1, "objective_id:s score:f")
layout("KeyResultAdded", 1, "kr_id:s objective_id:s title:s kind:s unit:s "
       "start:f target:f weight:f")
layout("KeyResultRetitled", 1, "kr_id:s before:s after:s")
layout("KeyResultTargetChanged", 1, "kr_id:s before:f after:f reason:s?")
layout("KeyResultWeightChanged", 1, "kr_id:s before:f after:f")
layout("KeyResultRemoved", 1, "kr_id:s reason:s?")
layout("KeyResultKpiLinked", 1, "kr_id:s before:s? after:s?")
layout("KeyResultGraded", 1, "kr_id:s score:f note:s? manual:b")
layout("CheckInRecorded", 1, "kr_id:s value:f confidence:i? note:s? date:d")
layout("CheckInRecorded", 2,
       "kr_id:s value:f confidence:i? note:s? date:d source:s")
layout("KpiDefined", 1, "kpi_id:s name:s unit:s owner:s healthy_min:f? "
       "healthy_max:f? cadence_days:i")
layout("KpiThresholdsChanged", 1,
       "kpi_id:s healthy_min:f? healthy_max:f? cadence_days:i")
layout("KpiMeasured", 1, "kpi_id:s value:f date:d")
layout("ReminderIssued", 1, "reminder_id:s kind:s subject:s recipient:s "
       "key:s message:s at:d")
layout("ReminderDelivered", 1, "reminder_id:s webhook:s attempts:i")
layout("ReminderDeliveryFailed", 1,
       "reminder_id:s webhook:s attempts:i error:s")
layout("DigestDelivered", 1, "digest_id:s channel:s recipient:s "
       "reminder_ids:[s] message_id:s attempts:i")
layout("DigestDeliveryFailed", 1, "digest_id:s channel:s recipient:s "
       "reminder_ids:[s] message_id:s attempts:i error:s")
layout("ChainHeadSigned", 1, "key_id:s position:u hash:s recorded_at:s "
       "signature:s")

ENVELOPE = ("position", "stream", "version", "type", "schema_version",
            "recorded_at", "actor", "command_id", "data", "data_b64",
            "prev_hash", "hash")
TEXTS = ("stream", "type", "actor", "command_id")  # may carry "<name>_b64"
INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                     r"\.[0-9]{6}Z\Z")
HEX = re.compile(r"[0-9a-f]{64}\Z")


class Bad(Exception):
    pass


def shown(raw):
    """Bytes as a reader of the export sees them: U+FFFD for what is not
    UTF-8 (one per run, as decoders differ on how many they write)."""
    return re.sub("\ufffd+", "\ufffd", raw.decode("utf-8", "replace"))


def b64(text, what):
    if not isinstance(text, str):
        raise Bad(what + " must be base64 text")
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raise Bad(what + " is not base64")
    if base64.b64encode(raw).decode() != text:
        raise Bad(what + " is not canonical base64")
    return raw


def decode_payload(type_, version, raw):
    """The payload's JSON form, from its bytes (cereal portable binary)."""
    fields = LAYOUTS.get((type_, version))
    if fields is None:
        raise Bad("unknown event type %s version %s" % (type_, version))
    if not raw or raw[0] > 1:
        raise Bad("data_b64 lacks the byte-order flag")
    order = "<" if raw[0] == 1 else ">"
    at = [1]

    def take(fmt):
        size = struct.calcsize(fmt)
        if at[0] + size > len(raw):
            raise Bad("data_b64 ends inside a field")
        (v,) = struct.unpack_from(order + fmt, raw, at[0])
        at[0] += size
        return v

    def text():
        n = take("Q")
        if at[0] + n > len(raw):
            raise Bad("data_b64 ends inside a text")
        at[0] += n
        return raw[at[0] - n:at[0]]

    def value(kind):
        if kind == "s":
            return text()
        if kind == "[s]":
            return [text() for _ in range(take("Q"))]
        if kind == "f":
            return take("d")
        if kind == "i":
            return take("i")
        if kind == "u":
            return take("Q")
        if kind == "b":
            flag = take("B")
            if flag > 1:
                raise Bad("data_b64 holds a bool that is neither 0 nor 1")
            return flag == 1
        if kind == "d":
            day = datetime.date(1970, 1, 1)
            try:
                return (day + datetime.timedelta(days=take("i"))).isoformat()
            except OverflowError:
                raise Bad("data_b64 holds a date out of range")
        raise AssertionError(kind)

    out = {}
    for name, kind in fields:
        if kind.endswith("?"):
            absent = take("B")  # cereal's "nullopt" flag: 1 when absent
            if absent > 1:
                raise Bad("data_b64 holds a bad optional flag")
            out[name] = None if absent else value(kind[:-1])
        else:
            out[name] = value(kind)
    if at[0] != len(raw):
        raise Bad("data_b64 has bytes after the last field")
    return out


def same(decoded, claimed):
    """Whether `data` (as parsed) shows the decoded value exactly."""
    if isinstance(decoded, bytes):
        return isinstance(claimed, str) and shown(decoded) == re.sub(
            "\ufffd+", "\ufffd", claimed)
    if isinstance(decoded, list):
        return isinstance(claimed, list) and len(decoded) == len(claimed) \
            and all(same(d, c) for d, c in zip(decoded, claimed))
    if isinstance(decoded, bool) or decoded is None:
        return claimed is decoded
    if isinstance(decoded, float):  # the export writes doubles as such: 60.0
        return type(claimed) is float and claimed == decoded
    return type(claimed) is type(decoded) and claimed == decoded


def micros(instant):
    if not isinstance(instant, str) or not INSTANT.match(instant):
        raise Bad("recorded_at is not YYYY-MM-DDTHH:MM:SS.ffffffZ")
    try:
        t = datetime.datetime.strptime(instant, "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        raise Bad("recorded_at is not a real instant")
    if t.strftime("%Y-%m-%dT%H:%M:%S.%fZ") != instant:
        raise Bad("recorded_at is not YYYY-MM-DDTHH:MM:SS.ffffffZ")
    t = t.replace(tzinfo=datetime.timezone.utc)
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    delta = t - epoch
    return (delta.days * 86400 + delta.seconds) * 1000000 + delta.microseconds


def text_bytes(line, name):
    """An envelope text's exact bytes: "<name>_b64" when present (text that
    is not UTF-8), which `name` must show."""
    value = line[name]
    if not isinstance(value, str):
        raise Bad(name + " must be text")
    if name + "_b64" not in line:
        return value.encode("utf-8")
    raw = b64(line[name + "_b64"], name + "_b64")
    if shown(raw) != re.sub("\ufffd+", "\ufffd", value):
        raise Bad(name + "_b64 does not hold the bytes of " + name)
    return raw


def integer(line, name, bits):
    v = line[name]
    if type(v) is not int or not 0 <= v < 2 ** bits:
        raise Bad(name + " must be an unsigned integer")
    return v


def envelope_bytes(line, data):
    """What the hash covers (docs/on-disk-format.md, "envelope")."""
    def s(raw):
        return struct.pack(">I", len(raw)) + raw
    return (struct.pack(">Q", integer(line, "position", 64)) +
            s(text_bytes(line, "stream")) +
            struct.pack(">Q", integer(line, "version", 64)) +
            s(text_bytes(line, "type")) +
            struct.pack(">I", integer(line, "schema_version", 32)) +
            struct.pack(">q", micros(line["recorded_at"])) +
            s(text_bytes(line, "actor")) + s(text_bytes(line, "command_id")) +
            s(data) + bytes.fromhex(line["prev_hash"]))


# ---- Ed25519 signature check (RFC 8032), on extended coordinates ----

P = 2 ** 255 - 19
L = 2 ** 252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def point_add(a, b):
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    e = (y1 + x1) * (y2 + x2) % P - (y1 - x1) * (y2 - x2) % P
    h = (y1 + x1) * (y2 + x2) % P + (y1 - x1) * (y2 - x2) % P
    c = 2 * D * t1 * t2 % P
    zz = 2 * z1 * z2 % P
    f, g = zz - c, zz + c
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def point_mul(k, a):
    out = (0, 1, 1, 0)
    while k:
        if k & 1:
            out = point_add(out, a)
        a = point_add(a, a)
        k >>= 1
    return out


def point_decode(raw):
    """A point from its 32 bytes, or None if they encode none."""
    y = int.from_bytes(raw, "little") & ((1 << 255) - 1)
    sign = raw[31] >> 7
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P or (x == 0 and sign):
        return None
    if x & 1 != sign:
        x = P - x
    return (x, y, 1, x * y % P)


BASE = point_decode((4 * pow(5, P - 2, P) % P).to_bytes(32, "little"))


def ed25519_ok(public, message, signature):
    if len(signature) != 64:
        return False
    a, r = point_decode(public), point_decode(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message)
                       .digest(), "little") % L
    left, right = point_mul(s, BASE), point_add(r, point_mul(h, a))
    return (left[0] * right[2] - right[0] * left[2]) % P == 0 and \
        (left[1] * right[2] - right[1] * left[2]) % P == 0


def read_public_key(path):
    """The raw 32 bytes of an Ed25519 public key in a PEM file."""
    with open(path) as f:
        pem = f.read()
    m = re.search(r"-----BEGIN PUBLIC KEY-----(.*?)-----END PUBLIC KEY-----",
                  pem, re.S)
    der = base64.b64decode("".join(m.group(1).split())) if m else b""
    prefix = bytes.fromhex("302a300506032b6570032100")  # SPKI, id-Ed25519
    if len(der) != 44 or not der.startswith(prefix):
        raise ValueError("not an Ed25519 public key")
    return der[12:]


def key_id(public):
    return hashlib.sha256(public).hexdigest()[:16]


def check_checkpoint(data, prev, keys):
    """A ChainHeadSigned line: it signs the line before it, with one of the
    given keys (by key_id) when keys are given."""
    if prev is None or data["position"] != prev["position"] or \
            data["hash"] != prev["hash"] or \
            data["recorded_at"] != prev["recorded_at"]:
        raise Bad("the checkpoint does not sign the event before it")
    if not keys:
        return
    public = keys.get(data["key_id"])
    if public is None:
        raise Bad("the checkpoint is signed by key %s, not one given" %
                  ascii(data["key_id"]))
    message = "%d:%s:%s" % (data["position"], data["hash"],
                            data["recorded_at"])
    signature = b64(data["signature"], "signature")
    if not ed25519_ok(public, message.encode(), signature):
        raise Bad("the checkpoint's signature does not verify")


def check_line(line, n, state, keys):
    if not isinstance(line, dict):
        raise Bad("not a JSON object")
    missing = [m for m in ENVELOPE if m not in line]
    if missing:
        raise Bad("missing " + ", ".join(missing))
    extra = set(line) - set(ENVELOPE) - {t + "_b64" for t in TEXTS}
    if extra:
        raise Bad("members the chain does not cover: " +
                  ", ".join(ascii(x) for x in sorted(extra)))
    if line["position"] != n or type(line["position"]) is not int:
        raise Bad("expected position %d" % n)
    for name in ("prev_hash", "hash"):
        if not isinstance(line[name], str) or not HEX.match(line[name]):
            raise Bad(name + " must be 64 lowercase hex digits")
    if line["prev_hash"] != state["head"]:
        raise Bad("prev_hash is not the hash of the line before")
    raw = b64(line["data_b64"], "data_b64")
    body = envelope_bytes(line, raw)  # also checks the envelope's types
    data = decode_payload(line["type"], line["schema_version"], raw)
    claimed = line["data"]
    if not isinstance(claimed, dict) or set(claimed) != set(data) or \
            not all(same(data[k], claimed[k]) for k in data):
        raise Bad("data does not say what data_b64 holds")
    digest = hashlib.sha256(bytes.fromhex(line["prev_hash"]) + body)
    if digest.hexdigest() != line["hash"]:
        raise Bad("hash does not match the line: it was edited")
    at = micros(line["recorded_at"])
    if at < state["time"]:
        raise Bad("recorded_at goes back")
    stream = text_bytes(line, "stream")
    if line["version"] != state["versions"].get(stream, 0) + 1:
        raise Bad("the stream's versions are not 1, 2, 3, ...")
    if line["type"] == "ChainHeadSigned":
        check_checkpoint(claimed, state["prev"], keys)
        state["checkpoints"] += 1
    state["versions"][stream] = line["version"]
    state["head"], state["time"] = line["hash"], at
    state["prev"] = {"position": n, "hash": line["hash"],
                     "recorded_at": line["recorded_at"]}


def unique(pairs):
    """A JSON object; a member named twice is refused (readers would
    disagree on which one counts)."""
    out = dict(pairs)
    if len(out) != len(pairs):
        raise Bad("a member appears twice")
    return out


def main(argv):
    # Names from a hostile file print escaped, never as an exception.
    sys.stdout.reconfigure(errors="backslashreplace")
    args, keys = [], {}
    rest = argv[1:]
    while rest:
        if rest[0] == "--public-key" and len(rest) > 1:
            try:
                public = read_public_key(rest[1])
            except (OSError, ValueError) as e:
                print("verify_export: %s: %s" % (rest[1], e), file=sys.stderr)
                return 2
            keys[key_id(public)] = public
            rest = rest[2:]
        else:
            args.append(rest[0])
            rest = rest[1:]
    if len(args) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    state = {"head": "0" * 64, "time": 0, "versions": {}, "prev": None,
             "checkpoints": 0}
    n = 0
    try:
        with open(args[0], "rb") as f:
            for k, text in enumerate(f, 1):
                if text == b"\n":  # an empty line, as okr import skips
                    continue
                n += 1
                try:
                    line = json.loads(text, object_pairs_hook=unique)
                    check_line(line, n, state, keys)
                except Bad as e:
                    print("line %d: %s" % (k, e))
                    return 1
                except Exception as e:  # hostile bytes: refused, not a crash
                    print("line %d: not an export line (%s: %s)" %
                          (k, type(e).__name__, e))
                    return 1
    except OSError as e:
        print("verify_export: %s" % e, file=sys.stderr)
        return 2
    signed = "%d signed checkpoints %s" % (
        state["checkpoints"], "verified" if keys else
        "not checked (no --public-key)")
    print("ok: %d events, head %d %s; %s" % (n, n, state["head"], signed))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
