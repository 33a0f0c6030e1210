// The guide's synchronous fetch: the calling thread waits for the body.
//
// Usage: synchronous_fetch URL
#include <gale/http/blocking_client.hpp>

#include <iostream>
#include <string>

// [synchronous-fetch]
std::string synchronous_fetch(const std::string& url) {
  gale::http::blocking_client http_client;
  auto response = http_client.fetch(url);
  return response.body;
}
// [end]

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: synchronous_fetch URL\n";
    return 2;
  }
  try {
    std::cout << synchronous_fetch(argv[1]);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
