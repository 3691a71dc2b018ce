// Date: a calendar day (UTC), as days since 1970-01-01, written YYYY-MM-DD.
//
// Thread safety: plain value.
#ifndef OKR_EVENTS_DATE_H_
#define OKR_EVENTS_DATE_H_

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace okr {

class Date {
 public:
  constexpr Date() = default;
  static constexpr Date FromDays(std::int32_t days) { return Date(days); }
  // Parses exactly YYYY-MM-DD with a valid calendar day; nullopt otherwise.
  static std::optional<Date> Parse(std::string_view text);
  // The UTC date of an instant in microseconds since the epoch.
  static Date FromMicros(std::int64_t micros);

  std::int32_t days() const { return days_; }
  std::string ToString() const;
  Date AddDays(std::int32_t n) const { return Date(days_ + n); }
  // Days from `earlier` to this date (negative if this is before it).
  std::int32_t DaysSince(Date earlier) const { return days_ - earlier.days_; }

  auto operator<=>(const Date&) const = default;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(days_);
  }

 private:
  constexpr explicit Date(std::int32_t days) : days_(days) {}
  std::int32_t days_ = 0;
};

}  // namespace okr

#endif  // OKR_EVENTS_DATE_H_
