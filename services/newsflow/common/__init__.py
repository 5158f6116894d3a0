"""Shared plumbing for every service: settings, Kafka clients and topic set-up, logging."""
