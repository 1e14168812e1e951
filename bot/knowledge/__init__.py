"""The knowledge store: sourced statistics, law facts, hotlines, guidance, scam types."""

from bot.knowledge.repository import KnowledgeRepository

__all__ = ["KnowledgeRepository"]
