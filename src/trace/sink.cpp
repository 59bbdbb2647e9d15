#include "trace/sink.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace wirechat::trace {

FileSink::FileSink(std::FILE* file)
    : file_(file), wants_colour_(isatty(fileno(file)) == 1 && std::getenv("NO_COLOR") == nullptr) {}

void FileSink::line(std::string_view text) {
    std::string whole;
    whole.reserve(text.size() + 1);
    whole.append(text).push_back('\n');
    std::fwrite(whole.data(), 1, whole.size(), file_);
    std::fflush(file_);
}

}  // namespace wirechat::trace
