//===- InputChecks.h - inputs MLIR's parser would crash on ----------------===//
//
// Two kinds of malformed input make MLIR 22's own parser abort before any
// verifier of ours can run; the tools scan their input for them first and
// report them as diagnostics (each was found by tools/fuzz_mlax_opt.py):
// - an elements literal (`dense<...> : tensor<2x4611686018427387904xf32>`)
//   whose static dimensions multiply past INT64_MAX (an assertion in
//   ShapedType::getNumElements); elsewhere mlax's type constraints reject
//   such types;
// - a generic op named by a dialect alone (`"mlax"(...)`, `"func."(...)`):
//   "created with unregistered dialect" is a fatal error.
//
//===----------------------------------------------------------------------===//
#ifndef MLAX_TOOLS_INPUTCHECKS_H
#define MLAX_TOOLS_INPUTCHECKS_H

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cctype>
#include <cstdint>

namespace mlax_tools {
/// The element count of the shaped type starting at `text[i]`
/// (`tensor<2x3xf32>`...): false when its static dimensions overflow int64.
inline bool countFits(llvm::StringRef text, size_t i) {
  for (llvm::StringRef kw : {"tensor<", "memref<", "vector<"}) {
    if (!text.substr(i).starts_with(kw))
      continue;
    i += kw.size();
    int64_t count = 1;
    while (i < text.size()) {
      size_t start = i;
      while (i < text.size() && std::isdigit((unsigned char)text[i]))
        ++i;
      if (i == start || i >= text.size() || text[i] != 'x')
        return true;
      uint64_t dim = 0;
      if (text.substr(start, i - start).getAsInteger(10, dim) ||
          dim > uint64_t(INT64_MAX) ||
          __builtin_mul_overflow(count, int64_t(dim), &count))
        return false;
      ++i;
    }
  }
  return true;
}

/// Reports generic ops (`"name"(`) whose name has no `dialect.op` form.
inline bool checkGenericOpNames(llvm::SourceMgr &sm, llvm::StringRef text) {
  bool ok = true;
  for (size_t pos = 0; pos < text.size(); ++pos) {
    // Comments may hold unbalanced quotes: skip them whole.
    if (text.substr(pos).starts_with("//")) {
      pos = text.find('\n', pos);
      if (pos == llvm::StringRef::npos)
        break;
      continue;
    }
    if (text[pos] != '"')
      continue;
    size_t end = pos + 1;
    while (end < text.size() && text[end] != '"' && text[end] != '\n') {
      if (text[end] == '\\')
        ++end;
      ++end;
    }
    // An unterminated string is the parser's error; scan on after it.
    if (end >= text.size() || text[end] != '"') {
      pos = end;
      continue;
    }
    llvm::StringRef name = text.slice(pos + 1, end);
    size_t next = end + 1, prev = pos;
    while (next < text.size() && text[next] == ' ')
      ++next;
    while (prev > 0 && text[prev - 1] == ' ')
      --prev;
    // A generic op: the quoted name is followed by its operand list and
    // does not sit inside another parenthesis (`loc("name"(...))`).
    bool isOpName = next < text.size() && text[next] == '(' &&
                    (prev == 0 || text[prev - 1] != '(');
    size_t dot = name.find('.');
    if (isOpName &&
        (dot == llvm::StringRef::npos || dot == 0 || name.back() == '.')) {
      sm.PrintMessage(llvm::errs(),
                      llvm::SMLoc::getFromPointer(text.data() + pos),
                      llvm::SourceMgr::DK_Error,
                      "generic operation name '" + name +
                          "' must have the form 'dialect.operation'");
      ok = false;
    }
    pos = end;
  }
  return ok;
}

/// Reports every elements literal (`dense<...> : type`, `sparse<...>`,
/// `dense_resource<...>`) whose type's element count overflows int64, and
/// every malformed generic op name; true when there is none.
inline bool checkInput(llvm::MemoryBuffer &buffer) {
  llvm::SourceMgr sm;
  sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBuffer(
                            buffer.getBuffer(), buffer.getBufferIdentifier(),
                            /*RequiresNullTerminator=*/false),
                        llvm::SMLoc());
  llvm::StringRef text = buffer.getBuffer();
  bool ok = true;
  for (llvm::StringRef kw : {"dense<", "sparse<", "dense_resource<"}) {
    for (size_t pos = text.find(kw); pos != llvm::StringRef::npos;
         pos = text.find(kw, pos + 1)) {
      // Skip the literal (angle brackets nest), then ` : type`.
      size_t i = pos + kw.size();
      for (int depth = 1; i < text.size() && depth > 0; ++i) {
        if (text[i] == '<')
          ++depth;
        else if (text[i] == '>')
          --depth;
      }
      while (i < text.size() && std::isspace((unsigned char)text[i]))
        ++i;
      if (i >= text.size() || text[i] != ':')
        continue;
      ++i;
      while (i < text.size() && std::isspace((unsigned char)text[i]))
        ++i;
      if (!countFits(text, i)) {
        sm.PrintMessage(llvm::errs(),
                        llvm::SMLoc::getFromPointer(text.data() + i),
                        llvm::SourceMgr::DK_Error,
                        "shaped type has more elements than fit in int64 "
                        "(at most 2^63-1)");
        ok = false;
      }
    }
  }
  return checkGenericOpNames(sm, text) && ok;
}
} // namespace mlax_tools

#endif // MLAX_TOOLS_INPUTCHECKS_H
