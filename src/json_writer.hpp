// A small JSON writer for the --json outputs (docs/json.md): objects,
// arrays, strings, numbers, booleans and null, written as they come, with
// commas and string escapes handled here. Not a parser, no DOM.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace remaster {

class JsonWriter {
public:
    explicit JsonWriter(std::ostream& os) : os_(os) {}

    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    // The name of the next value inside an object.
    JsonWriter& key(const std::string& name);
    JsonWriter& value(const std::string& s);
    JsonWriter& value(const char* s) { return value(std::string(s)); }
    JsonWriter& value(uint64_t n);
    JsonWriter& value(bool b);
    JsonWriter& null();
    JsonWriter& strings(const std::vector<std::string>& v);

private:
    void separate();
    std::ostream& os_;
    // Per open container: has it a member yet? After a key the next value
    // needs no comma.
    std::vector<bool> has_member_;
    bool after_key_ = false;
};

// s as a JSON string literal, quotes included; control characters and
// bytes that are not UTF-8 escaped (\u00XX), so the output is always valid.
std::string json_string(const std::string& s);

}  // namespace remaster
