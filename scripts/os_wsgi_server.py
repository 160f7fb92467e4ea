#!/usr/bin/python3
"""Serve one OpenStack API from Debian's python3 packages for osauth's dev cloud.

Usage (normally through scripts/openstack-dev.sh, always with /usr/bin/python3):

    os_wsgi_server.py SERVICE OS_DIR PORT [PORT ...]

  SERVICE: keystone, placement, or one of scripts/os_services.py's SERVICES (glance nova
  cinder ironic manila neutron heat barbican).

- The config is read from OS_DIR/<service>/ (OS_KEYSTONE_CONFIG_DIR /
  OS_PLACEMENT_CONFIG_DIR are set here, before the application is built; the other
  services' entry points are in os_services.build_app). Nova and Neutron monkey-patch
  eventlet first, before socketserver is imported (else the server hangs on the 2nd request).
- Every PORT is a listener on 127.0.0.1 serving the same WSGI application (extra ports give
  the catalog distinct but working URLs per interface / region).
- wsgiref with a threaded server and a listen backlog of 512: the stock scripts use a backlog
  of 5, which stalls concurrent clients for seconds. wsgiref speaks HTTP/1.0 and rejects
  chunked request bodies: clients must send Content-Length.
- OS_DIR appears on the command line on purpose: openstack-dev.sh checks /proc/PID/cmdline
  for it before it ever signals a process.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import os_services  # noqa: E402 - the table of the other services

if __name__ == "__main__" and len(sys.argv) > 1:
    os_services.monkey_patch(sys.argv[1])

import signal  # noqa: E402
import socketserver  # noqa: E402
import threading  # noqa: E402
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer  # noqa: E402

HOST = "127.0.0.1"


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    """wsgiref server, one thread per request, large listen backlog."""

    request_queue_size = 512
    daemon_threads = True
    allow_reuse_address = True


class QuietHandler(WSGIRequestHandler):
    """Access log lines without reverse DNS lookups; no log at all when OSAUTH_OS_ACCESS_LOG=0."""

    access_log = os.environ.get("OSAUTH_OS_ACCESS_LOG", "1") != "0"

    def address_string(self):
        return self.client_address[0]

    def log_message(self, format, *args):  # noqa: A002 - wsgiref's signature
        if self.access_log:
            sys.stderr.write("%s [%s] %s\n" % (
                self.server.server_port, self.log_date_time_string(), format % args))


def build_app(service, os_dir):
    # oslo.config parses sys.argv when the application is built: hide ours.
    sys.argv = [sys.argv[0]]
    if service == "keystone":
        os.environ["OS_KEYSTONE_CONFIG_DIR"] = os.path.join(os_dir, "keystone")
        from keystone.server import wsgi as keystone_wsgi
        return keystone_wsgi.initialize_public_application()
    if service == "placement":
        os.environ["OS_PLACEMENT_CONFIG_DIR"] = os.path.join(os_dir, "placement")
        from placement import wsgi as placement_wsgi
        return placement_wsgi.init_application()
    if service in os_services.SERVICES:
        return os_services.build_app(service, os_dir)
    raise SystemExit("unknown service %r (keystone|placement|%s)" % (
        service, "|".join(os_services.SERVICES)))


def main(argv):
    if len(argv) < 4:
        raise SystemExit(__doc__)
    service, os_dir, ports = argv[1], os.path.abspath(argv[2]), [int(p) for p in argv[3:]]
    try:
        os.setsid()  # own session: survives the shell that started it
    except OSError:
        pass
    # Bind first so a port clash fails fast, before the (slow) application import.
    servers = [ThreadingWSGIServer((HOST, port), QuietHandler) for port in ports]
    app = build_app(service, os_dir)
    for server in servers:
        server.set_app(app)

    def stop(signum, frame):
        if os_services.uses_eventlet(service):
            # eventlet's hub cannot switch from inside a signal handler; nothing to flush
            # (sqlite in WAL mode), so leave at once.
            sys.stderr.write("%s stopped\n" % service)
            sys.stderr.flush()
            os._exit(0)
        # shutdown() blocks until serve_forever returns: call it off the main thread.
        for server in servers:
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2},
                                daemon=True) for s in servers]
    for t in threads:
        t.start()
    sys.stderr.write("%s serving on %s\n" % (
        service, ", ".join("http://%s:%d" % (HOST, p) for p in ports)))
    sys.stderr.flush()
    for t in threads:
        while t.is_alive():
            t.join(0.5)
    for server in servers:
        server.server_close()
    sys.stderr.write("%s stopped\n" % service)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
