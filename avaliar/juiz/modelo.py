"""O que cada verificação viu e o veredicto de um desafio."""
from __future__ import annotations

from dataclasses import dataclass, field

VEREDICTOS = ("passou", "parcial", "falhou", "ausente", "recusado")


@dataclass
class Verificacao:
    nome: str                 # "o servidor responde HTTP"
    ok: bool
    evidencia: str = ""       # o que se viu (trecho de saída, status, corpo), em português
    essencial: bool = True    # comportamento central do desafio
    base: bool = False        # só mostra que subiu (não basta para "parcial" sozinho)


@dataclass
class Resultado:
    desafio: int
    veredicto: str = "ausente"
    motivo: str = ""
    pasta: str = ""
    partida: str = ""
    verificacoes: list = field(default_factory=list)
    notas: list = field(default_factory=list)

    def verificar(self, nome, ok, evidencia="", essencial=True, base=False):
        """Registra uma verificação e devolve ``ok`` (para encadear)."""
        self.verificacoes.append(Verificacao(nome, bool(ok), _curto(evidencia), essencial, base))
        return bool(ok)

    def decidir(self):
        """passou: tudo ok; falhou: uma essencial falhou e nenhuma essencial (além das de
        partida, ``base``) passou; parcial: o resto. O motivo diz o que falhou."""
        vs = self.verificacoes
        if not vs:
            self.veredicto = "falhou"
            self.motivo = self.motivo or "nada pôde ser verificado"
            return self
        falhas = [v for v in vs if not v.ok]
        if not falhas:
            self.veredicto = "passou"
            self.motivo = self.motivo or "tudo o que o desafio pede funciona (%d verificações)" % len(vs)
            return self
        nomes = "; ".join(v.nome for v in falhas)
        essenciais_falhas = [v for v in falhas if v.essencial]
        essenciais_ok = [v for v in vs if v.ok and v.essencial and not v.base]
        if essenciais_falhas and not essenciais_ok:
            self.veredicto = "falhou"
            self.motivo = "falhou: " + nomes
        else:
            self.veredicto = "parcial"
            self.motivo = "falhou: " + nomes
        return self

    def pontos(self):
        """(pontos, máximo) para o results.json: passou 1, parcial 0.5, resto 0."""
        return {"passou": 1.0, "parcial": 0.5}.get(self.veredicto, 0.0), 1.0


def _curto(texto, limite=4000):
    if isinstance(texto, bytes):
        texto = texto.decode("utf-8", "replace")
    texto = str(texto)
    if len(texto) > limite:
        return texto[: limite // 2] + "\n[...]\n" + texto[-limite // 2:]
    return texto
