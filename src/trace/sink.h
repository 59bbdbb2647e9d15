// Where trace lines go. The formatting code only produces text; a Sink is
// the one place that writes it, so everything else in this layer stays free
// of I/O and can be tested by collecting lines in memory.
#pragma once

#include <cstdio>
#include <string_view>

namespace wirechat::trace {

class Sink {
public:
    // One complete line, without its newline.
    virtual void line(std::string_view text) = 0;

protected:
    ~Sink() = default;
};

// Writes each line (newline included) with a single fwrite, so that lines
// stay whole even when another writer shares the stream.
class FileSink final : public Sink {
public:
    explicit FileSink(std::FILE* file);
    void line(std::string_view text) override;
    // The file is a terminal and NO_COLOR (no-color.org) is not set.
    bool wants_colour() const { return wants_colour_; }

private:
    std::FILE* file_;
    bool wants_colour_;
};

}  // namespace wirechat::trace
