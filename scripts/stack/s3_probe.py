#!/usr/bin/env python3
"""SigV4-signed probes for the local S3 server (S3Proxy). Standard library only.

Reads S3_ENDPOINT (http://host:port), S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY and
S3_REGION from the environment.

usage:
  s3_probe.py ready            signed ListBuckets must answer 200 AND a request signed
                               with a wrong secret and an unsigned one must answer 403
                               (exit 1: not answering yet, exit 3: signatures not checked)
  s3_probe.py bucket NAME      HeadBucket, and CreateBucket when it answers 404
  s3_probe.py show             prints the status of a signed, a bad-signature and an
                               unsigned ListBuckets (for a manual check)
"""
import datetime
import hashlib
import hmac
import http.client
import os
import sys
import urllib.parse

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def request(method, path, secret=None, body=b""):
    """Sends one path-style request; signs it with `secret` unless that is ""."""
    endpoint = urllib.parse.urlsplit(os.environ["S3_ENDPOINT"])
    access_key = os.environ["S3_ACCESS_KEY_ID"]
    if secret is None:
        secret = os.environ["S3_SECRET_ACCESS_KEY"]
    region = os.environ.get("S3_REGION", "us-east-1")
    host = endpoint.netloc
    payload_hash = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    headers = {"Host": host, "x-amz-date": amz_date, "x-amz-content-sha256": payload_hash}
    if secret:
        day = amz_date[:8]
        scope = "%s/%s/s3/aws4_request" % (day, region)
        signed = "host;x-amz-content-sha256;x-amz-date"
        canonical = "\n".join([
            method,
            urllib.parse.quote(path, safe="/-_.~"),
            "",  # no query string
            "host:%s\nx-amz-content-sha256:%s\nx-amz-date:%s\n" % (host, payload_hash, amz_date),
            signed,
            payload_hash,
        ])
        to_sign = "\n".join([
            "AWS4-HMAC-SHA256", amz_date, scope,
            hashlib.sha256(canonical.encode()).hexdigest(),
        ])
        key = _hmac(_hmac(_hmac(_hmac(("AWS4" + secret).encode(), day), region), "s3"), "aws4_request")
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
            access_key, scope, signed, signature)
    conn = http.client.HTTPConnection(endpoint.hostname, endpoint.port or 80, timeout=5)
    try:
        conn.request(method, path, body=body or None, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def probe_statuses():
    good = request("GET", "/")[0]
    bad = request("GET", "/", secret=os.environ["S3_SECRET_ACCESS_KEY"] + "-wrong")[0]
    unsigned = request("GET", "/", secret="")[0]
    return good, bad, unsigned


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    try:
        if mode == "ready":
            good, bad, unsigned = probe_statuses()
            if good != 200:
                print("s3: signed ListBuckets answered %d" % good, file=sys.stderr)
                return 1
            if bad != 403 or unsigned != 403:
                print("s3: signatures are NOT checked (bad signature -> %d, unsigned -> %d)"
                      % (bad, unsigned), file=sys.stderr)
                return 3
            return 0
        if mode == "bucket" and len(sys.argv) == 3:
            path = "/" + sys.argv[2]
            status = request("HEAD", path)[0]
            if status == 404:
                status, body = request("PUT", path)
                if status != 200:
                    print("s3: CreateBucket %s answered %d: %s" % (path, status, body[:300]),
                          file=sys.stderr)
                    return 1
            elif status != 200:
                print("s3: HeadBucket %s answered %d" % (path, status), file=sys.stderr)
                return 1
            return 0
        if mode == "show":
            good, bad, unsigned = probe_statuses()
            print("signed=%d bad-signature=%d unsigned=%d" % (good, bad, unsigned))
            return 0 if (good, bad, unsigned) == (200, 403, 403) else 1
    except OSError as exc:
        print("s3: %s: %s" % (os.environ.get("S3_ENDPOINT"), exc), file=sys.stderr)
        return 1
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
