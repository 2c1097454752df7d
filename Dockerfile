# One image for both services: the web app (`shente serve`) and the scheduler (`shente scheduler`).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv/shente
# The dependencies at the versions and hashes of the lock (`make lock` writes it), then the project.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY alembic ./alembic
# Editable, so that `app` runs from here, beside alembic.ini, alembic/ and its templates.
RUN pip install --no-deps -e . && useradd --system --home /srv/shente shente && chown -R shente /srv/shente
USER shente
EXPOSE 8000
CMD ["shente", "serve", "--host", "0.0.0.0", "--port", "8000"]
