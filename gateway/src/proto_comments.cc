#include "proto_comments.h"

#include <absl/strings/ascii.h>
#include <absl/strings/str_split.h>
#include <google/protobuf/descriptor.pb.h>

#include <vector>

// The descriptor set, linked in as it is (MENTORING_DESCRIPTOR_SET, its path as a string
// literal, from protos/CMakeLists.txt through gateway/CMakeLists.txt).
__asm__(
    ".pushsection .rodata\n"
    ".balign 16\n"
    ".global mentoring_descriptor_set_begin\n"
    "mentoring_descriptor_set_begin:\n"
    ".incbin \"" MENTORING_DESCRIPTOR_SET
    "\"\n"
    ".global mentoring_descriptor_set_end\n"
    "mentoring_descriptor_set_end:\n"
    ".popsection\n");
extern "C" const char mentoring_descriptor_set_begin[];
extern "C" const char mentoring_descriptor_set_end[];

namespace mentoring::gateway {
namespace {

std::string Cleaned(const google::protobuf::SourceLocation& where) {
  const std::string& text = where.leading_comments.empty() ? where.trailing_comments : where.leading_comments;
  std::string out;
  bool paragraph = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) {
      paragraph = !out.empty();
      continue;
    }
    if (!out.empty()) out += paragraph ? "\n\n" : " ";
    paragraph = false;
    out.append(line.data(), line.size());
  }
  return out;
}

template <class T>
std::string CommentOf(const T* element) {
  google::protobuf::SourceLocation where;
  return element != nullptr && element->GetSourceLocation(&where) ? Cleaned(where) : "";
}

}  // namespace

ProtoComments::ProtoComments() {
  google::protobuf::FileDescriptorSet files;
  if (!files.ParseFromArray(mentoring_descriptor_set_begin,
                            static_cast<int>(mentoring_descriptor_set_end - mentoring_descriptor_set_begin))) {
    return;  // no comments, nothing worse: the document is still whole
  }
  // --include_imports lists every file after the ones it imports.
  for (const auto& file : files.file()) (void)pool_.BuildFile(file);
}

const ProtoComments& ProtoComments::Embedded() {
  static const ProtoComments* const comments = new ProtoComments();
  return *comments;
}

std::string ProtoComments::Of(const google::protobuf::Descriptor& message) const {
  return CommentOf(pool_.FindMessageTypeByName(message.full_name()));
}

std::string ProtoComments::Of(const google::protobuf::FieldDescriptor& field) const {
  return CommentOf(pool_.FindFieldByName(field.full_name()));
}

std::string ProtoComments::Of(const google::protobuf::MethodDescriptor& method) const {
  return CommentOf(pool_.FindMethodByName(method.full_name()));
}

std::string ProtoComments::Of(const google::protobuf::EnumDescriptor& type) const {
  return CommentOf(pool_.FindEnumTypeByName(type.full_name()));
}

}  // namespace mentoring::gateway
