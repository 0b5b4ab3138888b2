package org.finetune4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.finetune4j.Finetune4jException;
import org.finetune4j.tokenize.ChatTemplate.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading alpaca, prompt/completion and chat records, and the errors bad records get. */
class InstructionRecordsTest {

    @TempDir
    Path dir;

    @Test
    void formsAreRecognisedFromTheFirstRecord() {
        Path alpaca = TestFiles.write(dir, "a.json", "[{\"instruction\": \"Add.\", \"input\": \"2, 3\", \"output\": \"5\"},\n"
                + " {\"instruction\": \"Hi.\", \"output\": \"Hello\"}]");
        InstructionRecords.Read a = InstructionRecords.read(alpaca, "auto", false);
        assertThat(a.records()).containsExactly(new InstructionRecord.Alpaca(1, 1, "Add.", "2, 3", "5"),
                new InstructionRecord.Alpaca(2, 2, "Hi.", "", "Hello"));

        Path pc = TestFiles.write(dir, "p.csv", "prompt,completion\n\"Q: 1+1?\",\" 2\"\n");
        assertThat(InstructionRecords.read(pc, "auto", false).records())
                .containsExactly(new InstructionRecord.PromptCompletion(2, 1, "Q: 1+1?", " 2"));

        Path chat = TestFiles.write(dir, "c.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"},"
                + " {\"role\": \"assistant\", \"content\": \"Hello\"}]}\n");
        InstructionRecord c = InstructionRecords.read(chat, "auto", false).records().get(0);
        assertThat(c.messages()).containsExactly(new Message("user", "Hi"), new Message("assistant", "Hello"));
        assertThat(new InstructionRecord.Alpaca(1, 1, "Add.", "2, 3", "5").messages())
                .containsExactly(new Message("user", "Add.\n\n2, 3"), new Message("assistant", "5"));
    }

    @Test
    void badRecordsNameTheFileTheLineTheRecordAndTheKey() {
        Path f = TestFiles.write(dir, "t.jsonl", "{\"instruction\": \"a\", \"output\": \"b\"}\n{\"instruction\": \"c\", \"input\": \"d\"}\n");
        assertThatThrownBy(() -> InstructionRecords.read(f, "auto", false)).isInstanceOf(Finetune4jException.class)
                .hasMessage(f + ":2: record 2: no \"output\" field; it has [instruction, input]");
        Path num = TestFiles.write(dir, "n.jsonl", "{\"instruction\": \"a\", \"output\": 3}\n");
        assertThatThrownBy(() -> InstructionRecords.read(num, "alpaca", false)).hasMessage(num + ":1: record 1: \"output\" is not a string");
        Path empty = TestFiles.write(dir, "e.jsonl", "{\"prompt\": \"a\", \"completion\": \"  \"}\n");
        assertThatThrownBy(() -> InstructionRecords.read(empty, "auto", false)).hasMessageContaining("\"completion\" is empty");
        Path noAssistant = TestFiles.write(dir, "c.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}\n");
        assertThatThrownBy(() -> InstructionRecords.read(noAssistant, "auto", false))
                .hasMessage(noAssistant + ":1: record 1: no message with role \"assistant\": nothing to train on");
        Path noContent = TestFiles.write(dir, "m.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": [1]}]}\n");
        assertThatThrownBy(() -> InstructionRecords.read(noContent, "messages", false))
                .hasMessage(noContent + ":1: record 1: messages[0].content is missing or not a string");
        Path unknown = TestFiles.write(dir, "u.jsonl", "{\"question\": \"a\", \"answer\": \"b\"}\n");
        assertThatThrownBy(() -> InstructionRecords.read(unknown, "auto", false))
                .hasMessageStartingWith(unknown + ":1: cannot tell the instruction format from the fields [question, answer]");
    }

    @Test
    void badRecordsAreSkippedAndCountedWhenAsked() {
        Path f = TestFiles.write(dir, "t.json", "[{\"instruction\": \"a\", \"output\": \"b\"}, {\"instruction\": \"c\", \"output\": \"\"},"
                + " {\"instruction\": \"e\", \"output\": \"f\"}]");
        InstructionRecords.Read r = InstructionRecords.read(f, "alpaca", true);
        assertThat(r.records()).hasSize(2);
        assertThat(r.skipped()).isEqualTo(1);
        assertThat(r.firstSkipped()).isEqualTo(f + ":1: record 2: \"output\" is empty: nothing to train on");
        InstructionRecords.Read[] split = r.split(0.5, 1);
        assertThat(split[0].records().size() + split[1].records().size()).isEqualTo(2);
        assertThat(split[1].records()).hasSize(1);
        assertThat(List.of(split[0].records().get(0), split[1].records().get(0))).containsExactlyInAnyOrderElementsOf(r.records());
    }
}
