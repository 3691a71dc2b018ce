// Clang thread-safety annotations
// (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html): with
// -Wthread-safety the compiler checks that every member marked GUARDED_BY(mu)
// is touched only with mu held, and that every function marked REQUIRES(mu)
// is called with it held. On other compilers the macros expand to nothing.
//
// The capabilities are the wrappers of engine/mutex.h: libstdc++'s
// std::mutex carries no annotations, so the analysis cannot see it.
//
// Thread safety: macros only; nothing to share.
#ifndef OKR_ENGINE_THREAD_ANNOTATIONS_H_
#define OKR_ENGINE_THREAD_ANNOTATIONS_H_

#if defined(__clang__)
#define OKR_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define OKR_THREAD_ANNOTATION(x)
#endif

// On a class: its objects are capabilities (a lock) named `x` in messages.
#ifndef CAPABILITY
#define CAPABILITY(x) OKR_THREAD_ANNOTATION(capability(x))
#endif

// On a class: an RAII holder of a capability (MutexLock).
#ifndef SCOPED_CAPABILITY
#define SCOPED_CAPABILITY OKR_THREAD_ANNOTATION(scoped_lockable)
#endif

// On a member: read with the capability held at least shared, written with
// it held exclusively.
#ifndef GUARDED_BY
#define GUARDED_BY(x) OKR_THREAD_ANNOTATION(guarded_by(x))
#endif

// On a pointer member: the pointee is guarded, the pointer itself is not.
#ifndef PT_GUARDED_BY
#define PT_GUARDED_BY(x) OKR_THREAD_ANNOTATION(pt_guarded_by(x))
#endif

// On a capability member: the lock order. Checked with -Wthread-safety-beta
// only; elsewhere they document the order written beside the members.
#ifndef ACQUIRED_AFTER
#define ACQUIRED_AFTER(...) OKR_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#endif

#ifndef ACQUIRED_BEFORE
#define ACQUIRED_BEFORE(...) OKR_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#endif

// On a function: the caller must hold the capabilities exclusively
// (REQUIRES) or at least shared (REQUIRES_SHARED), and still holds them on
// return.
#ifndef REQUIRES
#define REQUIRES(...) OKR_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#endif

#ifndef REQUIRES_SHARED
#define REQUIRES_SHARED(...) \
  OKR_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#endif

// On a function: it takes the capabilities and holds them on return
// (ACQUIRE, ACQUIRE_SHARED), or releases ones the caller held (RELEASE,
// RELEASE_SHARED). With no argument on a member function: `this`.
#ifndef ACQUIRE
#define ACQUIRE(...) OKR_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#endif

#ifndef ACQUIRE_SHARED
#define ACQUIRE_SHARED(...) \
  OKR_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#endif

#ifndef RELEASE
#define RELEASE(...) OKR_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#endif

#ifndef RELEASE_SHARED
#define RELEASE_SHARED(...) \
  OKR_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#endif

// On a function: the caller must not hold the capabilities (the function
// takes them itself; holding one would deadlock).
#ifndef EXCLUDES
#define EXCLUDES(...) OKR_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#endif

// On a function: tells the analysis the capability is held from here on
// (a check that cannot be proven statically).
#ifndef ASSERT_CAPABILITY
#define ASSERT_CAPABILITY(x) OKR_THREAD_ANNOTATION(assert_capability(x))
#endif

// On a function: returns a reference to the capability `x`.
#ifndef RETURN_CAPABILITY
#define RETURN_CAPABILITY(x) OKR_THREAD_ANNOTATION(lock_returned(x))
#endif

// On a function: not analysed. Only for the lock wrappers themselves, and
// wherever used elsewhere, with a comment saying why.
#ifndef NO_THREAD_SAFETY_ANALYSIS
#define NO_THREAD_SAFETY_ANALYSIS \
  OKR_THREAD_ANNOTATION(no_thread_safety_analysis)
#endif

#endif  // OKR_ENGINE_THREAD_ANNOTATIONS_H_
