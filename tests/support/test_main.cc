#define BOOST_TEST_MODULE okr_ledger
#include <boost/test/unit_test.hpp>
