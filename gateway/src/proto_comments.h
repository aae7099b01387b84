#pragma once
// The comments written in the protos, for what is generated from them (the OpenAPI
// document's descriptions). The C++ descriptors protoc generates carry no comments, so the
// build embeds the protos' descriptor set with source info and this reads it.
#include <google/protobuf/descriptor.h>

#include <string>

namespace mentoring::gateway {

class ProtoComments {
 public:
  // The embedded comments (built once).
  static const ProtoComments& Embedded();

  // The comment on the element (the one before it, else the one after it on its line), its
  // lines joined and a blank line kept as a paragraph break; empty when it has none.
  std::string Of(const google::protobuf::Descriptor& message) const;
  std::string Of(const google::protobuf::FieldDescriptor& field) const;
  std::string Of(const google::protobuf::MethodDescriptor& method) const;
  std::string Of(const google::protobuf::EnumDescriptor& type) const;

 private:
  ProtoComments();
  google::protobuf::DescriptorPool pool_;
};

}  // namespace mentoring::gateway
