"""juiz: o avaliador dos cinco desafios, rodando dentro da caixa (Docker-in-Docker).

Só biblioteca padrão. Uso: ``cd /opt/avaliar && python3 -m juiz triagem|avaliar|turma ...``.
"""
