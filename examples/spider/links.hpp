#pragma once
// The links of an HTML page: the href attribute of every start tag, as
// written (entities decoded), in document order. Comments are skipped; so
// is what is inside <script> and <style>. Any bytes are accepted.
#include <string>
#include <string_view>
#include <vector>

namespace spider {

std::vector<std::string> find_links(std::string_view html);

} // namespace spider
