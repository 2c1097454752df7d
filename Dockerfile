# One image for both services: the web app (`shente serve`) and the scheduler (`shente scheduler`).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv/shente
# pg_dump and pg_restore for `shente backup` / `restore`, at least the server's major version
# (docker-compose.yml runs postgres:16; Debian's own client is older): PGDG's packages.
ARG PG_MAJOR=16
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
 && install -d /usr/share/postgresql-common/pgdg \
 && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc \
      https://www.postgresql.org/media/keys/ACCC4CF8.asc \
 && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt $(. /etc/os-release && echo "$VERSION_CODENAME")-pgdg main" \
      > /etc/apt/sources.list.d/pgdg.list \
 && apt-get update && apt-get install -y --no-install-recommends "postgresql-client-$PG_MAJOR" \
 && apt-get purge -y curl && rm -rf /var/lib/apt/lists/*
# The dependencies at the versions and hashes of the lock (`make lock` writes it), then the project.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY alembic ./alembic
# Editable, so that `app` runs from here, beside alembic.ini, alembic/ and its templates. Its
# bytecode is compiled here: with PYTHONDONTWRITEBYTECODE every worker would compile app/ anew
# (~0.5 s of CPU each start).
RUN pip install --no-deps -e . && python -m compileall -q app alembic && useradd --system --home /srv/shente shente && chown -R shente /srv/shente
USER shente
EXPOSE 8000
CMD ["shente", "serve", "--host", "0.0.0.0", "--port", "8000"]
