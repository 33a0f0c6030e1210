#pragma once
// The crawl's pipeline items. They cross process boundaries (a worker
// fetches and parses for the coordinator), so each has `inspect` and a
// type id; register them with `crawl::configure` in every process.
#include <gale/type_ids.hpp>

#include <caf/actor_system_config.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/type_id.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace crawl {

/// The fetch stage's output.
struct fetched_page {
  std::string url;
  std::string body;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fetched_page& x) {
  return f(caf::meta::type_name("crawl.fetched_page"), x.url, x.body);
}

/// The parse stage's output: what the aggregate needs, not the page.
struct parsed_page {
  std::string url;
  std::uint64_t bytes = 0;
  std::vector<std::string> links; ///< absolute, same site, in page order
  std::vector<std::pair<std::string, std::uint64_t>> words; ///< counted
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, parsed_page& x) {
  return f(caf::meta::type_name("crawl.parsed_page"), x.url, x.bytes, x.links,
           x.words);
}

} // namespace crawl

CAF_BEGIN_TYPE_ID_BLOCK(crawl, caf::id_block::gale::end)
CAF_ADD_TYPE_ID(crawl, (crawl::fetched_page))
CAF_ADD_TYPE_ID(crawl, (crawl::parsed_page))
CAF_END_TYPE_ID_BLOCK(crawl)

namespace crawl {

inline void configure(caf::actor_system_config& cfg) {
  gale::configure(cfg);
  cfg.add_message_types<caf::id_block::crawl>();
}

} // namespace crawl
