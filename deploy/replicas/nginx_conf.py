"""nginx in front of several playground replicas: one address, each visitor kept on one replica.

    python deploy/replicas/nginx_conf.py --listen 8080 --replicas 7861,7862 --run-dir /tmp/genai-lb

prints an nginx.conf (open-source nginx, Debian's `nginx-light` is enough) for
`deploy/replicas/run.sh`, which renders it and starts nginx with `-c` on it.

Why a cookie of our own. A visitor's state (gr.State) lives in the replica that served the
page, under Gradio's session_hash; Gradio 6.31's page sends a visitor's events as
POST /gradio_api/queue/join (the session_hash inside the JSON body), then
GET /gradio_api/queue/data?session_hash=... (server-sent events), plus
GET /gradio_api/heartbeat/<session_hash>, POST /gradio_api/upload and GET /gradio_api/file=...
(the files live in the replica that wrote them). No websockets. Open-source nginx cannot hash on
a JSON body, and ip_hash puts a whole school behind one NAT (or every local client) on one
replica. So nginx keys each visitor by a cookie, `genai_replica`: absent on the first request
(the page), it is that request's `$request_id`, used at once as the hash key *and* sent back in
Set-Cookie, so the first request and all later ones land on the same replica
(`hash ... consistent`: adding a replica moves only a share of the visitors). Clients that keep
no cookies (curl, one-off API calls) are spread per request: fine for stateless calls, and
gradio_client keeps its cookies.

Server-sent events need `proxy_buffering off` and long read timeouts (a token stream or a
live training runs for minutes). `X-Replica` in every answer names the replica that served it;
the access log (format `replicas`) records the key, the replica and the session_hash of each
request, which bench/bench_replicas.py reads to check that no session was split.
"""
from __future__ import annotations

import argparse
from pathlib import Path

COOKIE = "genai_replica"
LOG_FORMAT = "replicas"


def render(listen: int, replicas: list[int], run_dir: str | Path, host: str = "127.0.0.1",
           replica_host: str = "127.0.0.1") -> str:
    """The whole nginx.conf: `listen` the one address, `replicas` the apps' ports, `run_dir`
    a writable folder for the pid, logs and nginx's temporary files (no root needed)."""
    if not replicas:
        raise ValueError("at least one replica")
    if len(set(replicas)) != len(replicas) or listen in replicas:
        raise ValueError("the replicas and the listening port must be distinct ports")
    run = Path(run_dir)
    servers = "\n".join(f"        server {replica_host}:{port} max_fails=0;" for port in replicas)
    return f"""# Rendered by deploy/replicas/nginx_conf.py: {len(replicas)} replicas behind {host}:{listen}
worker_processes 1;
daemon off;
pid {run}/nginx.pid;
error_log {run}/error.log warn;

events {{
    worker_connections 2048;
}}

http {{
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;

    # The visitor's key: their cookie, or (first request) this request's id, sent back below.
    map $cookie_{COOKIE} $replica_key {{
        ""      $request_id;
        default $cookie_{COOKIE};
    }}
    map $cookie_{COOKIE} $replica_set_cookie {{
        ""      "{COOKIE}=$request_id; Path=/; HttpOnly; SameSite=Lax";
        default "";
    }}

    log_format {LOG_FORMAT} '$msec key=$replica_key replica=$upstream_addr status=$status '
                          '"$request_method $uri" session=$arg_session_hash';
    access_log {run}/access.log {LOG_FORMAT};

    upstream genai_replicas {{
        hash $replica_key consistent;
{servers}
        keepalive 64;
        # below uvicorn's own 5 s: else nginx may reuse a connection the app just closed, and a
        # POST (queue/join) is not retried: a 502 (seen once in bench_replicas' browsers)
        keepalive_timeout 4s;
    }}

    server {{
        listen {host}:{listen};
        client_max_body_size 50m;

        location / {{
            proxy_pass http://genai_replicas;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Host $http_host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            # server-sent events (queue/data, /v1 streams): passed on as they come, for minutes
            proxy_buffering off;
            proxy_cache off;
            proxy_read_timeout 3600s;
            proxy_send_timeout 3600s;
            add_header Set-Cookie $replica_set_cookie always;
            add_header X-Replica $upstream_addr always;
        }}
    }}
}}
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=int, required=True)
    parser.add_argument("--replicas", required=True, help="the replicas' ports, comma-separated")
    parser.add_argument("--run-dir", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    print(render(args.listen, [int(p) for p in args.replicas.split(",")], args.run_dir, args.host), end="")


if __name__ == "__main__":
    main()
