FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# WeasyPrint (the supervision log's PDF export) renders text with Pango and HarfBuzz.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY comb_tracker comb_tracker
COPY accounts accounts
COPY assessments assessments
COPY supervision supervision
COPY cpd cpd
COPY service_actions service_actions
COPY reports reports
RUN pip install --no-cache-dir .
COPY . .
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput
RUN useradd --create-home comb && mkdir -p var/media && chown -R comb var
USER comb
EXPOSE 8000
CMD ["gunicorn", "comb_tracker.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
