# vitbench worker image: `vitbench` as entrypoint, the project installed with its PostgreSQL driver.
# GPU build: docker build --build-arg VITBENCH_EXTRAS=postgres,tensorflow,gpu -t vitbench-gpu:0.1.0 .
FROM python:3.11.11-slim-bookworm

ARG VITBENCH_EXTRAS=postgres,tensorflow

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin vitbench

WORKDIR /opt/vitbench
COPY pyproject.toml README.md ./
COPY benchmark ./benchmark
COPY studies ./studies
COPY reports ./reports
# tensorflow-cpu (default) and tensorflow[and-cuda] (the gpu extra) ship the same module: for a GPU
# build keep only the CUDA wheel.
RUN pip install ".[${VITBENCH_EXTRAS}]" \
    && case ",${VITBENCH_EXTRAS}," in *,gpu,*) \
         pip uninstall -y tensorflow-cpu \
         && pip install --force-reinstall --no-deps "tensorflow>=2.21" ;; esac

USER vitbench
# The Keras dataset cache is a named volume in docker-compose.yml; create it owned by the user
# so Docker copies that ownership into a fresh volume.
RUN mkdir -p /home/vitbench/.keras /home/vitbench/work
WORKDIR /home/vitbench/work

ENTRYPOINT ["vitbench"]
CMD ["--help"]
