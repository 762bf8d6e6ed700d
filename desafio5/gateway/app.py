"""Desafio 5 — gateway (porta 5004): o único ponto de entrada dos microsserviços.

  /users, /users/...    -> http://users_service:5003/users...
  /orders, /orders/...  -> http://orders_service:5002/orders...
  /users/<id>/orders    -> composição: o usuário com os pedidos dele (os dois serviços)
  /health               -> estado de cada serviço

Transparente: repassa método, caminho, query string, cabeçalhos e corpo, e devolve
o mesmo status, cabeçalhos e corpo do serviço (X-Servido-Por diz qual réplica
respondeu). Propaga o X-Request-ID (mantém o do cliente ou cria um) até o serviço e
de volta. Serviço fora do ar -> 503; travado -> 504; ocupado demais -> 503; sempre
JSON com o nome do serviço, e as rotas do outro serviço continuam funcionando.

Lido de cima para baixo: as rotas, o repasse, a composição, o /health, os erros e,
no fim, a entrada (app, a função ASGI que o granian chama a cada requisição). Os
limites que protegem a entrada e os serviços (tempo e memória por cliente,
concorrência por serviço) e o pool de conexões estão em limites.py, com os próprios
testes; o log de acesso (uma linha por requisição), em acesso.py.
"""
import logging
import os
import re
import sys

from acesso import LogDeAcesso
from limites import METHODS, FalhaUpstream, Recusa, Resposta, Upstream, ler_pedido, recusar

logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                    format="[%(levelname)s] %(name)s: %(message)s")
log = logging.getLogger("gateway")

# ------------------------------------------------------------------ 1. as rotas
# O primeiro pedaço do caminho diz o serviço: /users e tudo abaixo vai ao users_service,
# como veio (um /users//1 também: quem diz se ele existe é o serviço); /orders..., ao
# orders_service.
SERVICOS = {
    "users": Upstream("users_service", os.environ.get("USERS_URL", "http://users_service:5003")),
    "orders": Upstream("orders_service", os.environ.get("ORDERS_URL", "http://orders_service:5002")),
}
ROTAS = []  # as do próprio gateway, em GET e HEAD: a composição e o /health


def rota(caminho):
    """Como o @app.get do Flask: um <int:nome> do caminho (até 18 dígitos) chega à função
    como int, e outro método que não GET ou HEAD recebe 405."""
    padrao = re.compile(re.sub(r"<int:(\w+)>", r"(?P<\1>[0-9]{1,18})", caminho))

    def registrar(funcao):
        ROTAS.append((padrao, funcao))
        return funcao
    return registrar


async def despachar(pedido):
    """Uma rota do gateway, se o caminho casa com ela; senão, o repasse ao serviço."""
    for padrao, funcao in ROTAS:
        if casou := padrao.fullmatch(pedido.path):
            if pedido.method not in ("GET", "HEAD"):
                return Resposta.json(405, erro="método não permitido")
            return await funcao(pedido, **{k: int(v) for k, v in casou.groupdict().items()})
    servico = SERVICOS.get(pedido.path[1:].split("/", 1)[0])  # "/users/1" -> "users"
    if servico is not None:
        return await repassar(pedido, servico)
    return Resposta.json(404, erro="recurso não encontrado")


# ---------------------------------------------------------------- 2. o repasse
async def repassar(pedido, servico):
    """O pedido do cliente vai ao serviço como veio (menos os cabeçalhos de conexão),
    e a resposta volta como veio: status, cabeçalhos e corpo."""
    if pedido.method not in METHODS:
        return Resposta.json(405, erro="método não permitido")
    return await servico.request(pedido.method, pedido.alvo, pedido.headers, pedido.body,
                                 pedido.request_id)


# ------------------------------------------------------------- 3. a composição
@rota("/users/<int:user_id>/orders")
async def usuario_com_pedidos(pedido, user_id):
    """O motivo de existir de um gateway além de rotear: uma resposta dos dois serviços."""
    user = await SERVICOS["users"].get(f"/users/{user_id}", pedido.request_id)
    if user.status != 200:
        return user  # o 404 (ou outro erro) do serviço, como veio
    pedidos = await SERVICOS["orders"].get(f"/orders?user_id={user_id}", pedido.request_id)
    if pedidos.status != 200:
        raise FalhaUpstream("orders_service", 502, f"orders_service respondeu {pedidos.status}")
    try:
        return Resposta.json(200, usuario=user.dados(), pedidos=pedidos.dados())
    except ValueError as e:
        raise FalhaUpstream("users_service/orders_service", 502,
                            "resposta inesperada de um serviço") from e


# ---------------------------------------------------------------- 4. /health
@rota("/health")
async def health(pedido):
    estado = {}
    for servico in SERVICOS.values():
        try:
            resp = await servico.get("/health", pedido.request_id)
            estado[servico.nome] = "ok" if resp.status == 200 else f"respondeu {resp.status}"
        except FalhaUpstream as e:
            estado[servico.nome] = e.mensagem
    geral = "ok" if all(v == "ok" for v in estado.values()) else "degradado"
    return Resposta.json(200, gateway="ok", status=geral, upstreams=estado)


# ---------------------------------------------------------------- 5. os erros
def erro(e):
    """Nunca um traceback para o cliente: um serviço que falhou vira JSON com o nome dele."""
    if isinstance(e, FalhaUpstream):
        return Resposta.json(e.status, erro=e.mensagem, servico=e.servico)
    log.exception("erro inesperado")
    return Resposta.json(500, erro="erro interno do servidor")


# ----------------------------------------------------- 6. a entrada (interface ASGI)
log_de_acesso = LogDeAcesso()  # uma linha por requisição, escrita em lotes (acesso.py)


async def app(scope, receive, send):
    """Cada requisição: lida dentro dos limites (ou recusada: 400, 408, 413, 431),
    despachada, a resposta enviada com o X-Request-ID, e uma linha no log de acesso."""
    if scope["type"] == "lifespan":  # o início e o fim do processo
        return await log_de_acesso.ciclo_de_vida(receive, send)
    status = 499  # o cliente saiu antes da resposta (o código que o nginx registra)
    try:
        try:
            pedido = await ler_pedido(scope, receive)
        except Recusa as e:
            status = e.status
            return await recusar(e, scope, receive, send)
        try:
            resposta = await despachar(pedido)
        except Exception as e:  # (um CancelledError, do cliente que saiu, não é Exception)
            resposta = erro(e)
        status = resposta.status
        await resposta.enviar(send, pedido.request_id)
    finally:
        log_de_acesso.saiu(scope, status)
