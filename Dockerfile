# One image for both services: the web app (`shente serve`) and the scheduler (`shente scheduler`).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv/shente
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY alembic ./alembic
RUN pip install . && useradd --system --home /srv/shente shente && chown -R shente /srv/shente
USER shente
EXPOSE 8000
CMD ["shente", "serve", "--host", "0.0.0.0", "--port", "8000"]
