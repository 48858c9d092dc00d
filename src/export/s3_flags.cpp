#include "export/s3_flags.h"

namespace ibsr::s3 {

void addConnectionFlags(CLI::App& app, std::string& endpoint, std::string& region, bool& pathStyle,
                        std::string_view scope) {
  const std::string s(scope);
  app.add_option("--endpoint", endpoint,
                 s + "S3-compatible endpoint URL, http(s)://host[:port] (default: AWS for the "
                     "region)")
      ->type_name("URL");
  app.add_option("--region", region,
                 s + "bucket region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's "
                     "region, us-east-1)")
      ->type_name("REGION");
  app.add_flag("--path-style", pathStyle,
               s + "path-style addressing (implied for IP or localhost endpoints and dotted "
                   "bucket names over https)");
}

}  // namespace ibsr::s3
