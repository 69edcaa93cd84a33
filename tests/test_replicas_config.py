"""deploy/replicas: the nginx.conf that keeps each visitor on one replica (what
deploy/replicas/run.sh renders and bench/bench_replicas.py runs with 30 visitors). Pure checks
of the rendered text: no nginx needed (where nginx is installed, it also checks the syntax)."""
from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("nginx_conf", ROOT / "deploy" / "replicas" / "nginx_conf.py")
nginx_conf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(nginx_conf)


def block(text: str, head: str) -> str:
    """The body of the first `head { ... }` block (braces balanced)."""
    start = text.index(head + " {") + len(head) + 2
    depth, i = 1, start
    while depth:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return text[start:i - 1]


def test_every_replica_is_an_upstream_hashed_on_the_visitors_cookie(tmp_path):
    conf = nginx_conf.render(8080, [7861, 7862, 7863], tmp_path)
    upstream = block(conf, "upstream genai_replicas")
    assert re.findall(r"server 127\.0\.0\.1:(\d+)", upstream) == ["7861", "7862", "7863"]
    assert "hash $replica_key consistent;" in upstream
    assert "ip_hash" not in conf                 # every client behind one NAT would share a replica
    assert "listen 127.0.0.1:8080;" in conf


def test_a_first_request_is_keyed_by_the_same_value_its_cookie_carries(tmp_path):
    """Without the cookie, the hash key is this request's id and the Set-Cookie sent back holds
    that id: the page's first request and every later one (queue/join, queue/data, heartbeat,
    uploads) hash alike, so they reach the same replica."""
    conf = nginx_conf.render(8080, [7861, 7862], tmp_path)
    cookie = nginx_conf.COOKIE
    key_map = block(conf, f"map $cookie_{cookie} $replica_key")
    set_map = block(conf, f"map $cookie_{cookie} $replica_set_cookie")
    assert re.search(r'""\s+\$request_id;', key_map)
    assert re.search(rf"default\s+\$cookie_{cookie};", key_map)
    assert re.search(rf'""\s+"{cookie}=\$request_id; Path=/;', set_map)
    assert re.search(r'default\s+"";', set_map)  # a visitor with the cookie keeps it
    assert "add_header Set-Cookie $replica_set_cookie always;" in conf


def test_server_sent_events_pass_unbuffered_for_long_streams(tmp_path):
    location = block(nginx_conf.render(8080, [7861], tmp_path), "location /")
    assert "proxy_buffering off;" in location
    seconds = {m[0]: int(m[1]) for m in re.findall(r"(proxy_(?:read|send)_timeout) (\d+)s;", location)}
    assert seconds["proxy_read_timeout"] >= 600 and seconds["proxy_send_timeout"] >= 600
    assert "proxy_http_version 1.1;" in location and 'proxy_set_header Connection "";' in location


def test_everything_nginx_writes_stays_in_the_run_folder(tmp_path):
    conf = nginx_conf.render(8080, [7861], tmp_path)
    paths = re.findall(r"^\s*(?:pid|error_log|access_log|\w+_temp_path) (\S+)", conf, re.M)
    assert len(paths) == 8 and all(p.rstrip(";").startswith(str(tmp_path)) for p in paths)


def test_bad_ports_are_refused(tmp_path):
    for listen, replicas in ((8080, []), (8080, [7861, 7861]), (7861, [7861])):
        with pytest.raises(ValueError):
            nginx_conf.render(listen, replicas, tmp_path)


def test_run_script_parses_and_nginx_accepts_the_config(tmp_path):
    subprocess.run(["bash", "-n", str(ROOT / "deploy" / "replicas" / "run.sh")], check=True)
    if shutil.which("nginx"):                    # installed here by scripts/setup.sh? optional
        (tmp_path / "nginx.conf").write_text(nginx_conf.render(18080, [17861, 17862], tmp_path))
        subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
                        "-c", str(tmp_path / "nginx.conf")], check=True, capture_output=True)
