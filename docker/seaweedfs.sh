#!/bin/sh
# The `s3` service: one `weed server` (master, volume, filer, S3 gateway on 8333) with data in
# /data, reachable only with the application's key (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY):
# anonymous requests are refused. The bucket is created on the first upload.
set -eu
: "${AWS_ACCESS_KEY_ID:?set AWS_ACCESS_KEY_ID in .env}"
: "${AWS_SECRET_ACCESS_KEY:?set AWS_SECRET_ACCESS_KEY in .env}"
config=/tmp/s3.json
printf '{"identities":[{"name":"app","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","Write","List","Tagging"]}]}' \
    "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" > "$config"
exec weed server -dir=/data -ip=s3 -ip.bind=0.0.0.0 -master.telemetry=false -volume.max=0 \
    -filer -s3 -s3.port=8333 -s3.port.iceberg=0 -s3.port.lance=0 -s3.config="$config"
