-- The chain head follows every appended entry inside the INSERT's own statement, so that a
-- batch of audit entries is one statement (one round trip, atomic without BEGIN/COMMIT)
-- instead of a transaction of four.
CREATE TRIGGER audit_head_follows AFTER INSERT ON audit_log
BEGIN
    UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1 AND seq < NEW.seq;
END;
