// UTF-8 checks for bytes from outside: is a text valid UTF-8, and the same
// text with every invalid sequence replaced by U+FFFD for people to read.
//
// Thread safety: pure functions.
//
// Valid means RFC 3629: shortest forms only, no surrogates (U+D800..DFFF,
// which is how a lone "\ud800" would be encoded), nothing above U+10FFFF.
#ifndef OKR_EVENTS_UTF8_H_
#define OKR_EVENTS_UTF8_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace okr {

// Whether `text` is valid UTF-8 throughout.
bool IsValidUtf8(std::string_view text);

// The length of the longest valid UTF-8 prefix of `text`.
std::size_t ValidUtf8Prefix(std::string_view text);

// `text` with each maximal invalid subsequence replaced by U+FFFD (the
// "substitution of maximal subparts" of Unicode §3.9); valid text comes back
// unchanged.
std::string ToValidUtf8(std::string_view text);

}  // namespace okr

#endif  // OKR_EVENTS_UTF8_H_
