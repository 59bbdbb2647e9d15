// How much a trace shows and whether it is coloured. Shared by the server's
// --trace and wirechat-cli's --trace, so both print the same format.
#pragma once

namespace wirechat::trace {

enum class Detail {
    lines,  // one line per event (a frame, a head line, the accept computation)
    full,   // the same lines, each frame followed by a hex dump of its bytes
};

struct Style {
    Detail detail = Detail::lines;
    bool colour = false;  // ANSI colours; only when the output is a terminal
};

// Which way the bytes went, seen from the side that traces.
enum class Direction {
    received,  // printed "<-"
    sent,      // printed "->"
};

}  // namespace wirechat::trace
