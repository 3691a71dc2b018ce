#include "projections/id_set.h"

#include <boost/test/unit_test.hpp>

namespace okr {
namespace {

BOOST_AUTO_TEST_SUITE(id_set)

BOOST_AUTO_TEST_CASE(insert_keeps_each_id_once_in_any_order) {
  IdSet s;
  s.Insert({"kr-10", "kr-2", "kr-10", "a"});
  s.Insert({"kr-2", "b", ""});
  BOOST_TEST(s.size() == 5u);
  for (const char* id : {"kr-10", "kr-2", "a", "b", ""}) {
    BOOST_TEST(s.Contains(id), id);
  }
  BOOST_TEST(!s.Contains("kr-1"));
  BOOST_TEST(!s.Contains("kr-100"));
  BOOST_TEST(!s.Contains("c"));
}

BOOST_AUTO_TEST_CASE(add_in_order_and_out_of_order_equals_insert) {
  IdSet added, inserted;
  for (const char* id : {"a", "b", "d", "c", "b"}) added.Add(id);
  inserted.Insert({"d", "c", "b", "a"});
  BOOST_TEST(added.size() == 4u);
  BOOST_TEST((added == inserted));
  BOOST_TEST(added.Contains("c"));
}

BOOST_AUTO_TEST_CASE(erase_masks_until_the_next_insert_drops_it) {
  IdSet s;
  s.Insert({"o-1", "o-2", "o-3"});
  BOOST_TEST(s.Erase("o-2"));
  BOOST_TEST(!s.Erase("o-2"));
  BOOST_TEST(!s.Erase("o-9"));
  BOOST_TEST(!s.Contains("o-2"));
  BOOST_TEST(s.size() == 2u);
  s.Insert({"o-4"});
  BOOST_TEST(!s.Contains("o-2"));
  BOOST_TEST(s.size() == 3u);
  IdSet t;
  t.Insert({"o-4", "o-3", "o-1"});
  BOOST_TEST((s == t));
  // Erased, then added back.
  BOOST_TEST(s.Erase("o-1"));
  s.Add("o-1");
  BOOST_TEST(s.Contains("o-1"));
  BOOST_TEST((s == t));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace okr
