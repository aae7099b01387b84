#pragma once
// What every store repeats, written once: aggregates kept as their protobuf message (the
// `body` column, the one source of truth) beside the columns that queries filter, join or
// constrain on; loading with the parse checked; loading for update; saving with the version
// checked. Stores keep their own SQL as named constants beside them; this header builds
// only the statements that are the same for every such table, from constant names (never
// from values).
#include <absl/status/statusor.h>
#include <absl/strings/escaping.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/paging.h"
#include "mentoring/runtime/postgres.h"

namespace mentoring::pg {

// The message in column `col` of `row`; INTERNAL naming what it is when the bytes do not
// parse (a corrupt row is never taken for an empty message).
template <class Message>
absl::StatusOr<Message> ParseColumn(const Result& rows, int row, int col, absl::string_view what) {
  Message message;
  if (!message.ParseFromString(rows.Bytes(row, col))) {
    return absl::InternalError(absl::StrCat("corrupt ", what, " in row ", row, ": its stored message does not parse"));
  }
  return message;
}

// Every row's message in column `col`.
template <class Message>
absl::StatusOr<std::vector<Message>> ParseColumnRows(const Result& rows, int col, absl::string_view what) {
  std::vector<Message> out;
  out.reserve(static_cast<size_t>(rows.rows()));
  for (int i = 0; i < rows.rows(); ++i) {
    auto message = ParseColumn<Message>(rows, i, col, what);
    if (!message.ok()) return message.status();
    out.push_back(std::move(*message));
  }
  return out;
}

// A table of one aggregate type: key column, `body` (the serialized message), `version`
// when the aggregate is versioned, and indexed columns derived from the message.
// One page of a keyset-paged query (mentoring/runtime/paging.h) that selects the body, then
// the order key (a bigint) and the id that breaks ties, and asks for one row more than
// `size`: that extra row, when it comes, means a next page, which starts after the last
// row given.
// A keyset page query's parameters: its own, then the last key given (NULL on the first
// page), its id, and how many rows to read (one more than the page).
inline std::vector<Param> PageParams(std::vector<Param> params, const std::optional<PageKey>& after, int size) {
  params.push_back(after ? Param(after->key) : Param(nullptr));
  params.push_back(after ? Param(after->id) : Param(nullptr));
  params.push_back(size + 1);
  return params;
}

template <class Message>
absl::StatusOr<Page<Message>> PageOfRows(const Result& rows, int size, absl::string_view what) {
  Page<Message> page;
  auto items = ParseColumnRows<Message>(rows, 0, what);
  if (!items.ok()) return items.status();
  page.items = std::move(*items);
  if (rows.rows() > size) {
    page.items.resize(static_cast<size_t>(size));
    page.next_page_token = PageToken({rows.Int(size - 1, 1), std::string(rows.Text(size - 1, 2))});
  }
  return page;
}

template <class Message>
class DocumentTable {
 public:
  struct Column {
    std::string name;
    std::function<Param(const Message&)> value;
    std::string sql_type = "text";  // its column type, for InsertMany's casts ("smallint", "timestamptz", ...)
  };
  struct Spec {
    std::string table;                               // "relationships"
    std::string what;                                // "relationship", for errors
    std::string key_column;                          // "relationship_id"
    std::function<std::string(const Message&)> key;  // the message's id
    std::function<int64_t(const Message&)> version;  // null: not versioned
    std::vector<Column> columns;                     // written on insert and update
    std::vector<std::string> insert_only = {};       // e.g. "created_at = now()" columns: "created_at"
  };

  explicit DocumentTable(Spec spec) : spec_(std::move(spec)) {
    const std::string select = absl::StrCat("SELECT body FROM ", spec_.table, " WHERE ", spec_.key_column, " = $1");
    get_ = select;
    get_for_update_ = select + " FOR UPDATE";
    std::vector<std::string> names = {spec_.key_column, "body"};
    std::vector<std::string> updates = {"body = EXCLUDED.body"};
    if (spec_.version) {
      names.push_back("version");
      updates.push_back("version = EXCLUDED.version");
    }
    for (const auto& column : spec_.columns) {
      names.push_back(column.name);
      updates.push_back(absl::StrCat(column.name, " = EXCLUDED.", column.name));
    }
    std::vector<std::string> placeholders;
    for (size_t i = 1; i <= names.size(); ++i) placeholders.push_back(absl::StrCat("$", i));
    for (const auto& column : spec_.insert_only) {
      names.push_back(column);
      placeholders.push_back("now()");
    }
    insert_ = absl::StrCat("INSERT INTO ", spec_.table, " (", absl::StrJoin(names, ", "), ") VALUES (",
                           absl::StrJoin(placeholders, ", "), ")");
    // Many rows in one statement: one array parameter per column, unnested in order.
    std::vector<std::string> arrays, selected;
    const auto add = [&](const std::string& expression) {
      arrays.push_back(absl::StrCat("$", arrays.size() + 1, "::text[]"));
      selected.push_back(expression);
    };
    add("c1");
    add("decode(c2, 'base64')");
    if (spec_.version) add("c3::bigint");
    for (const auto& column : spec_.columns) add(absl::StrCat("c", arrays.size() + 1, "::", column.sql_type));
    for (const auto& column : spec_.insert_only) {
      (void)column;
      selected.push_back("now()");
    }
    std::vector<std::string> aliases;
    for (size_t i = 1; i <= arrays.size(); ++i) aliases.push_back(absl::StrCat("c", i));
    insert_many_ = absl::StrCat("INSERT INTO ", spec_.table, " (", absl::StrJoin(names, ", "), ") SELECT ",
                                absl::StrJoin(selected, ", "), " FROM unnest(", absl::StrJoin(arrays, ", "),
                                ") WITH ORDINALITY AS x(", absl::StrJoin(aliases, ", "), ", n) ORDER BY n");
    // A save never goes back in versions: a writer that loaded an older version (it did
    // not hold the row lock) finds nothing updated and gets ABORTED.
    const std::string on_conflict =
        absl::StrCat(" ON CONFLICT (", spec_.key_column, ") DO UPDATE SET ", absl::StrJoin(updates, ", "),
                     spec_.version ? absl::StrCat(" WHERE ", spec_.table, ".version <= EXCLUDED.version") : "");
    save_ = insert_ + on_conflict;
    save_many_ = insert_many_ + on_conflict;
  }

  // NOT_FOUND naming the aggregate when there is no such row; INVALID_ARGUMENT for an empty key.
  absl::StatusOr<Message> Get(Executor& db, const std::string& key) const { return Load(db, get_, key); }
  // The same, with the row locked until the transaction ends.
  absl::StatusOr<Message> GetForUpdate(Transaction& txn, const std::string& key) const {
    return Load(txn, get_for_update_, key);
  }
  // nullopt when there is no such row.
  absl::StatusOr<std::optional<Message>> Find(Executor& db, const std::string& key) const {
    auto rows = db.Exec(get_, {key});
    if (!rows.ok()) return rows.status();
    if (rows->rows() == 0) return std::optional<Message>();
    auto message = ParseColumn<Message>(*rows, 0, 0, spec_.what);
    if (!message.ok()) return message.status();
    return std::optional<Message>(std::move(*message));
  }
  // The messages of a query whose first column is `body`.
  absl::StatusOr<std::vector<Message>> Many(Executor& db, std::string_view sql, const Params& params = {}) const {
    auto rows = db.Exec(sql, params);
    if (!rows.ok()) return rows.status();
    return ParseColumnRows<Message>(*rows, 0, spec_.what);
  }

  // A new row: ALREADY_EXISTS (from the database) when the key or a unique column is taken.
  absl::Status Insert(Executor& db, const Message& message) const { return db.Exec(insert_, Values(message)).status(); }
  // New rows, in one statement (bulk writers: a planner's meetings, an import's people).
  absl::Status InsertMany(Executor& db, const std::vector<Message>& messages) const {
    if (messages.empty()) return absl::OkStatus();
    return WriteMany(db, insert_many_, messages).status();
  }
  // Save for many rows, in one statement. ABORTED when any stored version is newer.
  absl::Status SaveMany(Executor& db, const std::vector<Message>& messages) const {
    if (messages.empty()) return absl::OkStatus();
    auto saved = WriteMany(db, save_many_, messages);
    if (!saved.ok()) return saved.status();
    if (saved->affected() != static_cast<int64_t>(messages.size())) {
      return absl::AbortedError(
          absl::StrCat("a ", spec_.what, " has a newer version stored: it was written without its row lock"));
    }
    return absl::OkStatus();
  }

 private:
  // `messages` is not empty.
  absl::StatusOr<Result> WriteMany(Executor& db, const std::string& sql, const std::vector<Message>& messages) const {
    std::vector<std::vector<std::optional<std::string>>> columns;
    for (const Message& message : messages) {
      Params values = Values(message);
      values[1] = Param(absl::Base64Escape(values[1].text()));  // bytea travels as base64 text
      if (columns.empty()) columns.resize(values.size());
      for (size_t i = 0; i < values.size(); ++i) {
        columns[i].push_back(values[i].null() ? std::nullopt : std::optional<std::string>(values[i].text()));
      }
    }
    Params arrays;
    for (const auto& column : columns) arrays.push_back(Param::NullableTextArray(column));
    return db.Exec(sql, arrays);
  }

 public:
  // Inserts or replaces the row. ABORTED when the stored version is newer than the message's.
  absl::Status Save(Executor& db, const Message& message) const {
    auto saved = db.Exec(save_, Values(message));
    if (!saved.ok()) return saved.status();
    if (saved->affected() == 0) {
      return absl::AbortedError(absl::StrCat(spec_.what, " ", spec_.key(message), " has a newer version stored than ",
                                             spec_.version(message), ": it was written without its row lock"));
    }
    return absl::OkStatus();
  }

  const Spec& spec() const { return spec_; }

 private:
  absl::StatusOr<Message> Load(Executor& db, const std::string& sql, const std::string& key) const {
    if (key.empty()) return errors::InvalidArgument(spec_.key_column, "required", "name the " + spec_.what);
    auto rows = db.Exec(sql, {key});
    if (!rows.ok()) return rows.status();
    if (rows->rows() == 0) return errors::NotFound(spec_.what, key);
    return ParseColumn<Message>(*rows, 0, 0, spec_.what);
  }

  Params Values(const Message& message) const {
    Params values = {spec_.key(message), Param::Bytes(message.SerializeAsString())};
    if (spec_.version) values.emplace_back(spec_.version(message));
    for (const auto& column : spec_.columns) values.push_back(column.value(message));
    return values;
  }

  Spec spec_;
  std::string get_, get_for_update_, insert_, insert_many_, save_, save_many_;
};

// An optional text column: NULL for an empty string.
inline Param NullIfEmpty(const std::string& value) { return value.empty() ? Param(nullptr) : Param(value); }

}  // namespace mentoring::pg
