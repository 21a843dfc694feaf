// Log lines go to stderr so stdout stays for what the user asked to see
// (--dry-run plans, listings). --quiet silences info; warnings always print.
#pragma once

#include <sstream>
#include <string>

namespace remaster::log {

enum class Level { debug, info, warn, error };

void set_quiet(bool quiet);
void set_verbose(bool verbose);
bool quiet();
void write(Level level, const std::string& msg);

// log::info() << "x" << 3;  the line is written when the temporary dies.
class Line {
public:
    explicit Line(Level l) : level_(l) {}
    ~Line() { write(level_, os_.str()); }
    template <class T>
    Line& operator<<(const T& v) {
        os_ << v;
        return *this;
    }

private:
    Level level_;
    std::ostringstream os_;
};

inline Line debug() { return Line(Level::debug); }
inline Line info() { return Line(Level::info); }
inline Line warn() { return Line(Level::warn); }
inline Line error() { return Line(Level::error); }

}  // namespace remaster::log
