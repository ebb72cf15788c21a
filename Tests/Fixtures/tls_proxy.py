#!/usr/bin/env python3
"""A TLS front for a plain HTTP server on loopback, for tests of certificate checking.

    tls_proxy.py --cert CERT.pem --key KEY.pem --target PORT

Listens on 127.0.0.1 (a free port), prints "listening on 127.0.0.1:PORT", and copies bytes
between each TLS client and 127.0.0.1:TARGET until either side closes.
"""
import argparse
import signal
import socket
import ssl
import sys
import threading


def pipe(source, destination):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            destination.sendall(data)
    except OSError:
        pass
    finally:
        for connection in (source, destination):
            try:
                connection.close()
            except OSError:
                pass


def serve(client, context, target):
    try:
        secure = context.wrap_socket(client, server_side=True)
    except (ssl.SSLError, OSError):
        client.close()  # the client refused our certificate: expected in some tests
        return
    upstream = socket.create_connection(("127.0.0.1", target))
    threading.Thread(target=pipe, args=(secure, upstream), daemon=True).start()
    pipe(upstream, secure)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--target", type=int, required=True)
    arguments = parser.parse_args()
    # A test runner may start us from a thread that blocks signals, and the mask is inherited:
    # unblock SIGTERM so that being stopped works.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(arguments.cert, arguments.key)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    print(f"listening on 127.0.0.1:{listener.getsockname()[1]}", flush=True)
    while True:
        client, _ = listener.accept()
        threading.Thread(target=serve, args=(client, context, arguments.target), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
