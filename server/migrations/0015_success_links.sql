-- Learned links between phrasings (retrieval/success-links.ts), trained with the term associations.
ALTER TABLE knowledge_term_associations ADD COLUMN links jsonb;
