// ReminderId: the id (and stream "reminder/<id>") of the reminder issued for
// (kind, key): "r-" and the first 40 hex digits of SHA-256(kind "\n" key).
// Derived, so the same reminder always lands on the same stream, and the
// store's stream versions make a second ReminderIssued for it impossible.
//
// Thread safety: pure function.
#ifndef OKR_ENGINE_REMINDER_ID_H_
#define OKR_ENGINE_REMINDER_ID_H_

#include <string>

namespace okr {

std::string ReminderId(const std::string& kind, const std::string& key);

}  // namespace okr

#endif  // OKR_ENGINE_REMINDER_ID_H_
