#include "engine/reminder_id.h"

#include "engine/sha256.h"
#include "events/envelope.h"

namespace okr {

std::string ReminderId(const std::string& kind, const std::string& key) {
  return "r-" + HashToHex(Sha256Of(kind + "\n" + key)).substr(0, 40);
}

}  // namespace okr
