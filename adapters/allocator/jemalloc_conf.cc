// The memory allocator of the `okr` and `okr-bench` executables: jemalloc
// (Debian's libjemalloc-dev), with these settings compiled in.
//
// Why: the engine's state is millions of small objects (key results, their
// strings, check-in blocks) allocated in a burst at start-up and during a
// rebuild. With glibc's malloc the burst is bound by page faults, one per
// 4 KiB page touched (expensive on virtual machines); jemalloc backs its
// memory with transparent huge pages (`thp:always`: madvise(MADV_HUGEPAGE)
// on its mappings, so one fault per 2 MiB where the kernel's THP mode is
// `madvise` or `always`; nothing changes where it is `never`), and its size
// classes waste less than glibc's 16-byte chunk headers. Measured: start-up
// at 11 M events 6.6 s -> 1.2 s, rebuild 0.77 -> 1.19 M events/s (README,
// "Benchmarks").
//
// MALLOC_CONF in the environment still overrides these (jemalloc reads this
// string first, then the environment). The checked builds (sanitizers,
// fuzzing) keep the sanitizers' allocator and leave this file out.
#include <jemalloc/jemalloc.h>

const char* malloc_conf = "thp:always,metadata_thp:always";
