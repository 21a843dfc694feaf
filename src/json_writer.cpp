#include "json_writer.hpp"

#include <cstdio>

namespace remaster {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 if it is not one.
size_t utf8_length(const std::string& s, size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k)
        if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return 0;
    return n;
}

}  // namespace

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const size_t n = utf8_length(s, i);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7f || n == 0) {
            // A byte that is not text (a file name may hold any): its value
            // as a code point, so that the output stays valid JSON.
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
            i += 1;
            continue;
        } else {
            out.append(s, i, n);
            i += n;
            continue;
        }
        i += 1;
    }
    return out + "\"";
}

void JsonWriter::separate() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (!has_member_.empty()) {
        if (has_member_.back()) os_ << ",";
        has_member_.back() = true;
    }
}

JsonWriter& JsonWriter::begin_object() {
    separate();
    os_ << "{";
    has_member_.push_back(false);
    return *this;
}

JsonWriter& JsonWriter::end_object() {
    has_member_.pop_back();
    os_ << "}";
    return *this;
}

JsonWriter& JsonWriter::begin_array() {
    separate();
    os_ << "[";
    has_member_.push_back(false);
    return *this;
}

JsonWriter& JsonWriter::end_array() {
    has_member_.pop_back();
    os_ << "]";
    return *this;
}

JsonWriter& JsonWriter::key(const std::string& name) {
    separate();
    os_ << json_string(name) << ":";
    after_key_ = true;
    return *this;
}

JsonWriter& JsonWriter::value(const std::string& s) {
    separate();
    os_ << json_string(s);
    return *this;
}

JsonWriter& JsonWriter::value(uint64_t n) {
    separate();
    os_ << n;
    return *this;
}

JsonWriter& JsonWriter::value(bool b) {
    separate();
    os_ << (b ? "true" : "false");
    return *this;
}

JsonWriter& JsonWriter::null() {
    separate();
    os_ << "null";
    return *this;
}

JsonWriter& JsonWriter::strings(const std::vector<std::string>& v) {
    begin_array();
    for (const auto& s : v) value(s);
    return end_array();
}

}  // namespace remaster
