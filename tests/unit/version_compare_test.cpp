#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "version_compare.hpp"

using namespace remaster;

TEST_CASE("kernel versions compare as dpkg and rpm order them") {
    // Numbers as numbers, not as text: the reason for this function.
    CHECK(compare_versions("6.1.0-57-amd64", "6.1.0-9-amd64") > 0);
    CHECK(compare_versions("6.1.0-9-amd64", "5.10.0-30-amd64") > 0);
    CHECK(compare_versions("5.10.0-30-amd64", "6.1.0-57-amd64") < 0);
    CHECK(compare_versions("6.10.2-arch1-1", "6.9.12-arch1-1") > 0);
    CHECK(compare_versions("6.11.4-300.fc41.x86_64", "6.11.4-201.fc41.x86_64") > 0);
    CHECK(compare_versions("6.1.0-13-amd64", "6.1.0-13-amd64") == 0);
    // A longer version with the same start is newer; '~' is older than the end.
    CHECK(compare_versions("6.1.0-13-amd64", "6.1.0-13") > 0);
    CHECK(compare_versions("6.2~rc1", "6.2") < 0);
    CHECK(compare_versions("6.2~rc1", "6.2~rc2") < 0);
    // Letters sort before other characters, as in dpkg.
    CHECK(compare_versions("6.1a", "6.1+") < 0);
    CHECK(compare_versions("6.1.0-13-amd64", "6.1.0-13-rt-amd64") < 0);
}

TEST_CASE("versions dpkg calls equal still sort one way") {
    CHECK(compare_versions("6.1.0-09", "6.1.0-9") != 0);
    CHECK(compare_versions("6.1.0-09", "6.1.0-9") == -compare_versions("6.1.0-9", "6.1.0-09"));
    CHECK(compare_versions("", "") == 0);
    CHECK(compare_versions("1", "") > 0);
}

TEST_CASE("sorting newest first") {
    std::vector<std::string> v = {"5.10.0-30-amd64", "6.1.0-9-amd64", "6.1.0-57-amd64", "6.1.0-10-amd64"};
    std::sort(v.begin(), v.end(), newer_version);
    CHECK(v == std::vector<std::string>{"6.1.0-57-amd64", "6.1.0-10-amd64", "6.1.0-9-amd64", "5.10.0-30-amd64"});
}
