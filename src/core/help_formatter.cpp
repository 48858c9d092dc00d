#include "core/help_formatter.h"

#include <sstream>

namespace ibsr::cli {
namespace {

constexpr std::size_t kWidth = 79;
constexpr std::size_t kDescColumn = 32;  // option descriptions start here

}  // namespace

std::string wrapText(const std::string& text, std::size_t indent, std::size_t width) {
  std::string out;
  std::size_t column = indent;  // the first line starts where the caller already is
  std::istringstream lines(text);
  std::string line;
  bool firstLine = true;
  while (std::getline(lines, line)) {
    if (!firstLine) {
      out += '\n' + std::string(indent, ' ');
      column = indent;
    }
    firstLine = false;
    std::istringstream words(line);
    std::string word;
    bool lineStart = true;
    while (words >> word) {
      if (!lineStart && column + 1 + word.size() > width) {
        out += '\n' + std::string(indent, ' ');
        column = indent;
        lineStart = true;
      }
      if (!lineStart) {
        out += ' ';
        ++column;
      }
      out += word;
      column += word.size();
      lineStart = false;
    }
  }
  return out;
}

std::string HelpFormatter::make_help(const CLI::App* app, std::string name,
                                     CLI::AppFormatMode mode) const {
  if (mode == CLI::AppFormatMode::Sub) return make_expanded(app);
  std::string out = make_usage(app, name) + "\n";
  out += make_description(app);
  out += make_positionals(app);
  out += make_groups(app, mode);
  out += make_subcommands(app, mode);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  const std::string footer = make_footer(app);
  return out + "\n" + (footer.empty() ? "" : "\n" + footer);
}

std::string HelpFormatter::make_description(const CLI::App* app) const {
  const std::string& desc = app->get_description();
  return desc.empty() ? std::string() : wrapText(desc, 0, kWidth) + "\n";
}

std::string HelpFormatter::make_footer(const CLI::App* app) const {
  // `ibsr incident trigger --help` shows the exit codes and examples of `ibsr incident`.
  for (const CLI::App* a = app; a != nullptr; a = a->get_parent()) {
    if (!a->get_footer().empty()) return a->get_footer() + "\n";
  }
  return {};
}

std::string HelpFormatter::make_subcommand(const CLI::App* sub) const {
  return twoColumns("  " + sub->get_display_name(), sub->get_description());
}

std::string HelpFormatter::make_option(const CLI::Option* opt, bool is_positional) const {
  return twoColumns("  " + make_option_name(opt, is_positional) + make_option_opts(opt),
                    make_option_desc(opt));
}

std::string HelpFormatter::twoColumns(std::string left, const std::string& desc) {
  if (desc.empty()) return left + "\n";
  if (left.size() + 2 > kDescColumn) {
    left += '\n';
    left.append(kDescColumn, ' ');
  } else {
    left.append(kDescColumn - left.size(), ' ');
  }
  return left + wrapText(desc, kDescColumn, kWidth) + "\n";
}

std::string HelpFormatter::make_option_name(const CLI::Option* opt, bool is_positional) const {
  if (is_positional) return opt->get_name(true, false);
  std::string out;
  auto add = [&](const std::string& name) {
    if (hidden_.count(name)) return;
    out += (out.empty() ? "" : ", ") + name;
  };
  for (const std::string& s : opt->get_snames()) add("-" + s);
  for (const std::string& l : opt->get_lnames()) add("--" + l);
  return out;
}

std::string HelpFormatter::make_option_opts(const CLI::Option* opt) const {
  if (opt->get_type_size() == 0) return {};  // a flag takes no value
  std::string out;
  std::string placeholder = opt->get_type_name();
  placeholder.resize(std::min(placeholder.size(), placeholder.find(':')));
  if (!placeholder.empty()) out += " " + placeholder;
  if (opt->get_expected_max() == CLI::detail::expected_max_vector_size) out += " ...";
  return out;
}

std::string HelpFormatter::make_option_desc(const CLI::Option* opt) const {
  std::string desc = opt->get_description();
  std::string def = opt->get_default_str();
  if (def.size() >= 2 && def.front() == '[' && def.back() == ']')
    def = def.substr(1, def.size() - 2);
  if (opt->get_required()) desc += " (required)";
  if (opt->get_type_size() != 0 && !def.empty() && def != "\"\"") desc += " (default: " + def + ")";
  return desc;
}

}  // namespace ibsr::cli
