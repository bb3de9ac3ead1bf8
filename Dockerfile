FROM python:3.12-slim
RUN useradd --system --create-home reminders \
    && install -d -o reminders -g reminders /var/lib/reminders
# /var/lib/reminders: beat's schedule file (a named volume in docker-compose.yml takes this
# folder's owner when Docker first fills it, so beat can write there as `reminders`).
WORKDIR /src
# Dependencies first, from the lock (exact versions, hashes checked), so code changes reuse
# this layer; then the project itself, whose wheel carries the catalogs (reminders/catalogs).
COPY requirements.txt ./
RUN pip install --no-cache-dir --require-hashes -r requirements.txt
# setup.py says which packages the wheel holds (and maps locales/ into reminders.catalogs):
# without it the wheel would hold celeryconfig.py alone.
COPY pyproject.toml setup.py README.md celeryconfig.py ./
COPY reminders ./reminders
COPY locales ./locales
RUN pip install --no-cache-dir --no-deps --no-build-isolation . \
    && cd / && rm -rf /src && reminders --version && reminders i18n compile
WORKDIR /app
ENV PYTHONUNBUFFERED=1
USER reminders
CMD ["celery", "-A", "reminders.celery_app", "worker", "--loglevel=INFO", "--without-gossip", "--without-mingle"]
