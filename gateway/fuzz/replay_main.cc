// A stand-in for libFuzzer's main in the suite's ordinary build: runs LLVMFuzzerTestOneInput
// (request_fuzzer.cc) once on every file named, or found under a folder named, so the seed
// corpus and the saved crash reproducers are a unit test even without clang. A folder that
// does not exist is skipped (gateway/fuzz/regressions/ may not exist yet); no file at all
// is a failure. Each input runs in a child process; the run fails, listing them, when any
// breaks an invariant or crashes.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg(argv[i]);
    if (fs::is_directory(arg)) {
      for (const auto& entry : fs::recursive_directory_iterator(arg)) {
        if (entry.is_regular_file() && entry.path().filename().string().front() != '.') inputs.push_back(entry.path());
      }
    } else if (fs::is_regular_file(arg)) {
      inputs.push_back(arg);
    } else if (!fs::exists(arg)) {
      std::fprintf(stderr, "replay: %s does not exist, skipped\n", argv[i]);
    }
  }
  std::sort(inputs.begin(), inputs.end());
  if (inputs.empty()) {
    std::fprintf(stderr, "replay: no input files\n");
    return 1;
  }
  // Each input in a child process, so one that aborts does not hide the others.
  std::vector<std::string> failed;
  for (const auto& path : inputs) {
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
      return 1;
    }
    std::fflush(stderr);
    const pid_t child = fork();
    if (child < 0) {
      std::perror("replay: fork");
      return 1;
    }
    if (child == 0) {
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      std::_Exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    std::fprintf(stderr, "replay: %s %s (%zu bytes)\n", ok ? "ok    " : "FAILED", path.c_str(), bytes.size());
    if (!ok) failed.push_back(path.string());
  }
  if (!failed.empty()) {
    std::fprintf(stderr, "replay: %zu of %zu inputs broke an invariant or crashed:\n", failed.size(), inputs.size());
    for (const auto& path : failed) std::fprintf(stderr, "  %s\n", path.c_str());
    return 1;
  }
  std::fprintf(stderr, "replay: %zu inputs, all invariants held\n", inputs.size());
  return 0;
}
