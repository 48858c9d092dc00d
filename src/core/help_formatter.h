// The look of every command's --help, in one place (docs/cli.md, "Help"):
//   Usage: PROGRAM [OPTIONS]            first, as help2man and readers expect
//   the description, wrapped at 79 columns
//   Options:  "-i, --interface IFACE  text (default: X)", wrapped; a value's placeholder is the
//             type_name given to the option (IFACE, SECONDS, PATH, ...) with CLI11's validator
//             text ("UINT:INT in [1 - 86400]") cut off, ranges belong in the description
//   the footer (Exit codes:, Examples:), inherited by subcommands that have none
// Old spellings kept for one release (hideName) parse but are never shown.
#pragma once

#include <CLI/CLI.hpp>

#include <set>
#include <string>

namespace ibsr::cli {

class HelpFormatter : public CLI::Formatter {
 public:
  // `name` ("--iface") stays accepted by the parser but is left out of the help.
  void hideName(std::string name) { hidden_.insert(std::move(name)); }

  std::string make_help(const CLI::App* app, std::string name,
                        CLI::AppFormatMode mode) const override;
  std::string make_description(const CLI::App* app) const override;
  std::string make_footer(const CLI::App* app) const override;
  std::string make_subcommand(const CLI::App* sub) const override;
  std::string make_option(const CLI::Option* opt, bool is_positional) const override;
  std::string make_option_name(const CLI::Option* opt, bool is_positional) const override;
  std::string make_option_opts(const CLI::Option* opt) const override;
  std::string make_option_desc(const CLI::Option* opt) const override;

 private:
  // "  NAME" then the description wrapped in its own column.
  static std::string twoColumns(std::string left, const std::string& desc);

  std::set<std::string> hidden_;
};

// `text` wrapped at `width` columns, every line but the first indented by `indent` spaces;
// explicit newlines are kept.
std::string wrapText(const std::string& text, std::size_t indent, std::size_t width);

}  // namespace ibsr::cli
