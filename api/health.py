"""Health checks for load balancers: liveness (the process answers) and readiness (the database too)."""

from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class HealthApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(responses={200: inline_serializer("Health", {"status": serializers.CharField()})}, auth=[])
    def get(self, request: Request) -> Response:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return Response({"status": "ok"})


class LiveApi(APIView):
    """Liveness: the process answers, without touching the database. Also the benchmark's ceiling: the least
    work any endpoint of this API does (the whole middleware stack and a DRF view rendering JSON)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(responses={200: inline_serializer("Live", {"status": serializers.CharField()})}, auth=[])
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})
