"""Configuração do gunicorn (igual nos três serviços do desafio 5).

Workers "gthread" mantêm a conexão aberta entre requisições (keep-alive), e
é isso que deixa o pool de conexões do gateway reaproveitar conexões.

O laço do worker gthread só confere o pedido de parada a cada 1 s
(selector.select(1.0)). O gunicorn já escreve num pipe (self.PIPE) quando chega
um sinal (signal.set_wakeup_fd); registrando esse pipe no mesmo seletor, o laço
acorda na hora e `docker stop` (SIGTERM) termina bem abaixo de 1 s.
"""
import os
import selectors

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("THREADS", "4"))
keepalive = 5
graceful_timeout = 2
accesslog = "-"
# o X-Request-ID no log de acesso: segue uma requisição do gateway até o serviço
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s request_id=%({x-request-id}i)s'


def _drain(pipe):
    try:
        while os.read(pipe, 4096):
            pass
    except BlockingIOError:
        pass


def post_worker_init(worker):
    poller = getattr(worker, "poller", None)
    if poller is not None:
        poller.register(worker.PIPE[0], selectors.EVENT_READ, _drain)
