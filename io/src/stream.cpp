// gale::io::stream, the handle: each member hands over to the core.

#include "gale/io/stream.hpp"

#include "stream_core.hpp"

#include <asio/system_executor.hpp>

namespace gale::io {

detail::stream_owner::~stream_owner() {
  if (core)
    core->close({});
}

stream::stream(std::shared_ptr<detail::stream_core> core)
  : owner_(std::make_shared<detail::stream_owner>()) {
  owner_->core = std::move(core); // in place: a moved-from owner would close
}

stream::stream(asio::ip::tcp::socket socket, stream_options options)
  : stream(std::make_shared<detail::stream_core>(
    detail::transport{std::in_place_type<detail::tcp_socket>,
                      std::move(socket)},
    options)) {}

stream::stream(asio::local::stream_protocol::socket socket,
               stream_options options)
  : stream(std::make_shared<detail::stream_core>(
    detail::transport{std::in_place_type<detail::unix_socket>,
                      std::move(socket)},
    options)) {}

stream::executor_type stream::get_executor() const noexcept {
  if (!owner_)
    return asio::system_executor{};
  return owner_->core->executor();
}

void stream::start_read(const core_ptr& core, detail::read_spec spec,
                        detail::completion<std::error_code, std::string> done) {
  if (!core)
    return done.complete_posted(stream_errc::no_connection, {});
  core->read(std::move(spec), std::move(done));
}

void stream::start_read_into(
  const core_ptr& core, asio::mutable_buffer buffer, bool partial,
  detail::completion<std::error_code, std::size_t> done) {
  if (!core)
    return done.complete_posted(stream_errc::no_connection, 0);
  core->read_into(buffer, partial, std::move(done));
}

void stream::start_write(const core_ptr& core, std::string bytes,
                         detail::completion<std::error_code> done) {
  if (!core)
    return done.complete_posted(stream_errc::no_connection);
  core->write(std::move(bytes), std::move(done));
}

void stream::start_tls(const core_ptr& core, tls_options options,
                       detail::completion<std::error_code> done) {
  if (!core)
    return done.complete_posted(stream_errc::no_connection);
  core->start_tls(std::move(options), std::move(done));
}

void stream::start_close(const core_ptr& core,
                         detail::completion<std::error_code> done) {
  if (!core)
    return done.complete_posted(stream_errc::no_connection);
  core->close_and_wait(std::move(done));
}

void stream::close(std::error_code reason) {
  if (core())
    core()->close(reason);
}

bool stream::closed() const noexcept {
  return !core() || core()->closed();
}

std::error_code stream::error() const noexcept {
  return core() ? core()->error() : make_error_code(stream_errc::no_connection);
}

void stream::set_close_callback(std::function<void()> callback) {
  if (core())
    core()->set_close_callback(std::move(callback));
}

std::error_code stream::set_nodelay(bool on) {
  return core() ? core()->set_nodelay(on)
                : make_error_code(stream_errc::no_connection);
}

std::string stream::peer() const {
  return core() ? core()->peer() : "";
}

std::string stream::peer_certificate_subject() const {
  return core() ? core()->peer_certificate_subject() : "";
}

bool stream::secure() const noexcept {
  return core() && core()->secure();
}

std::size_t stream::read_buffer_size() const noexcept {
  return core() ? core()->buffer().size() : 0;
}

std::size_t stream::read_buffer_capacity() const noexcept {
  return core() ? core()->buffer().capacity() : 0;
}

std::size_t stream::write_buffer_size() const noexcept {
  return core() ? core()->unsent() : 0;
}

} // namespace gale::io
