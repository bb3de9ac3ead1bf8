FROM python:3.12-slim
WORKDIR /app
RUN useradd --system --create-home reminders
COPY pyproject.toml README.md celeryconfig.py ./
COPY reminders ./reminders
COPY locales ./locales
RUN pip install --no-cache-dir . && reminders i18n compile
ENV REMINDERS_LOCALES_DIR=/app/locales PYTHONUNBUFFERED=1 PYTHONPATH=/app
USER reminders
CMD ["celery", "-A", "reminders.celery_app", "worker", "--loglevel=INFO"]
