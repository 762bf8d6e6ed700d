#!/bin/bash
# Desafio 2: roda o contador duas vezes no mesmo volume
docker volume create contador-vol
docker build -t contador .
docker run --name contador -v contador-vol:/var/lib/contador contador
read -r -p "Enter para rodar de novo..."
docker rm contador
docker run --name contador -v contador-vol:/var/lib/contador contador
