#include <catch2/catch.hpp>

#include <sstream>

#include "json_writer.hpp"

using namespace remaster;

TEST_CASE("JSON strings are escaped and always valid", "[json]") {
    CHECK(json_string("plain") == "\"plain\"");
    CHECK(json_string("a\"b\\c") == "\"a\\\"b\\\\c\"");
    CHECK(json_string("tab\tnl\n") == "\"tab\\tnl\\n\"");
    CHECK(json_string(std::string("nul\0x", 5)) == "\"nul\\u0000x\"");
    CHECK(json_string("caf\xc3\xa9") == "\"caf\xc3\xa9\"");     // UTF-8 kept
    CHECK(json_string("bad\xff\xfe") == "\"bad\\u00ff\\u00fe\"");  // not UTF-8: escaped
    CHECK(json_string("cut\xe2\x82") == "\"cut\\u00e2\\u0082\"");  // a sequence cut short
}

TEST_CASE("JSON objects and arrays get their commas", "[json]") {
    std::ostringstream os;
    JsonWriter j(os);
    j.begin_object();
    j.key("a").value(uint64_t{1});
    j.key("b").strings({"x", "y"});
    j.key("c").begin_array().begin_object().key("d").value(true).end_object().null().end_array();
    j.key("e").begin_object().end_object();
    j.end_object();
    CHECK(os.str() == "{\"a\":1,\"b\":[\"x\",\"y\"],\"c\":[{\"d\":true},null],\"e\":{}}");
}
